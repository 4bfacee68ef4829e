"""`csrd serve` configuration: TOML file (--config / CSRD_CONFIG), CSRD_* variables, flags
(precedence flag > env > file > default), --check-config, and errors (exit code 2, no secrets).
Reference: docs/configuration.md."""
import datetime
import os
import socket
import subprocess
import time

import pytest

import csrdtest as ct

REPO = ct.REPO
SECRET_PW = "Db-Pass-Never-Shown-77"


class ConfiguredCsrd(ct.Csrd):
    """A csrd started with exactly the given `serve` arguments (none of Csrd's own --listen and
    --data-dir), so its settings come from the file, the variables and the flags under test."""

    def start_with(self, args, port, env=None, timeout=40.0):
        self._starts += 1
        self.port = port
        self.log_path = os.path.join(self.workdir, f"csrd-{self._starts}.log")
        self._log = open(self.log_path, "wb")
        e = self._env()
        e.update(env or {})
        self.proc = subprocess.Popen([self.binary, "serve", *args], stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log, env=e)
        self.wait_ready(timeout)
        return self


@pytest.fixture
def configured(csrd_bin, tmp_path):
    made = []

    def make(**kw):
        srv = ConfiguredCsrd(str(tmp_path / f"srv{len(made)}"), binary=csrd_bin, **kw)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()


def config_text(srv, port, top="", tables=""):
    """A configuration for srv's store (its data dir; its PostgreSQL database if any)."""
    text = f'data_dir = "{srv.data_dir}"\n{top}[server]\nlisten = "127.0.0.1:{port}"\n{tables}'
    if srv.database:
        text += f'\n[database]\nurl = "{srv.database}"\n'
    return text


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return str(path)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSRD_")}
    env.update(extra)
    return env


def run_csrd(csrd_bin, *args, env=None, timeout=60):
    p = subprocess.run([csrd_bin, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env if env is not None else clean_env(),
                       timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def refused(port):
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def iam_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_file_configures_a_real_server(configured, tmp_path):
    srv = configured()
    port = ct.free_port()
    cfg = write(tmp_path / "csrd.toml",
                config_text(srv, port, tables="workers = 2\n\n[auth]\ntoken_lifetime = 600\n"))
    srv.start_with(["--config", cfg], port)
    # The token lifetime of the file is the one in force.
    r = srv.login("default", "admin", srv.bootstrap_password)
    tok = ct.expect(r, 201)["token"]
    lifetime = (iam_time(tok["expires_at"]) - iam_time(tok["issued_at"])).total_seconds()
    assert abs(lifetime - 600) < 2, f"token lifetime {lifetime}s, the file says 600; {tok}"
    # The data dir of the file holds the store (SQLite) or the server runs on the file's
    # PostgreSQL database.
    if not ct.on_postgres():
        assert os.path.isfile(os.path.join(srv.data_dir, "csrd.db"))
    assert f"listening on http://127.0.0.1:{port}" in srv.log_text()
    assert srv.stop() == 0


def test_env_overrides_file_and_flag_overrides_env(configured, tmp_path):
    srv = configured()
    p_file, p_env, p_flag = ct.free_ports(3)
    cfg = write(tmp_path / "csrd.toml", config_text(srv, p_file))
    # The file comes from CSRD_CONFIG here; CSRD_LISTEN beats its server.listen.
    srv.start_with([], p_env, env={"CSRD_CONFIG": cfg, "CSRD_LISTEN": f"127.0.0.1:{p_env}"})
    assert refused(p_file), "the file's port must not be served when CSRD_LISTEN is set"
    assert srv.stop() == 0
    # --listen beats CSRD_LISTEN (and the file).
    srv.start_with(["--config", cfg, "--listen", f"127.0.0.1:{p_flag}"], p_flag,
                   env={"CSRD_LISTEN": f"127.0.0.1:{p_env}"})
    assert refused(p_env) and refused(p_file)
    assert ct.expect(srv.request("GET", "/health"), 200) is not None
    assert srv.stop() == 0


def test_check_config_shows_origins_and_hides_secrets(csrd_bin, tmp_path):
    data = tmp_path / "data"
    port = ct.free_port()
    cfg = write(tmp_path / "csrd.toml", f'data_dir = "{data}"\n[server]\nlisten = "127.0.0.1:{port}"\n'
                                        f'workers = 3\n[key_pool]\ndepth = {{ all = 0, SM2 = 5 }}\n')
    key = ct.new_master_key()
    env = clean_env(CSRD_DATABASE=f"postgresql://csrd:{SECRET_PW}@127.0.0.1:1/csrd",
                    CSRD_MASTER_KEY=key, CSRD_BOOTSTRAP_PASSWORD="Boot-Pw-Never-Shown-1",
                    CSRD_IO_THREADS="2")
    rc, out, err = run_csrd(csrd_bin, "serve", "--config", cfg, "--workers", "5",
                            "--key-pool-depth", "EC_P256=7", "--check-config", env=env)
    assert rc == 0, f"rc {rc}\nstdout:\n{out}\nstderr:\n{err}"
    lines = {l.split(" = ")[0]: l for l in out.splitlines() if " = " in l}
    assert lines["workers"].endswith("# flag --workers") and "= 5 " in lines["workers"], out
    assert lines["io_threads"].endswith("# env CSRD_IO_THREADS") and "= 2 " in lines["io_threads"]
    assert lines["listen"].endswith("# file") and f"127.0.0.1:{port}" in lines["listen"]
    assert lines["token_lifetime"].endswith("# default")
    assert lines["url"].startswith('url = "postgresql://csrd:***@127.0.0.1:1/csrd"'), out
    assert lines["url"].endswith("# env CSRD_DATABASE")
    assert ("{ RSA_2048 = 0, RSA_3072 = 0, RSA_4096 = 0, EC_P256 = 7, EC_P384 = 0, SM2 = 5 }"
            in lines["depth"]) and lines["depth"].endswith("# file + flag --key-pool-depth"), out
    assert "# master key: CSRD_MASTER_KEY (set, not shown)" in out
    assert "configuration OK" in err
    for secret in (SECRET_PW, key, "Boot-Pw-Never-Shown-1"):
        assert secret not in out + err
    assert not data.exists(), "--check-config must create nothing"
    assert refused(port), "--check-config must not serve"


def test_check_config_reports_every_problem_with_exit_2(csrd_bin, tmp_path):
    key = ct.new_master_key()
    cfg = write(tmp_path / "bad.toml",
                f'data_dir = "{tmp_path}/data"\n'                     # 1
                f'master_key = "{key}"\n'                              # 2
                '[server]\n'                                           # 3
                'workers = "many"\n'                                   # 4
                'threads = 2\n'                                        # 5
                '[database]\n'                                         # 6
                f'url = "mysql://csrd:{SECRET_PW}@db/csrd"\n')         # 7
    rc, out, err = run_csrd(csrd_bin, "serve", "--config", cfg, "--check-config")
    assert rc == 2, f"rc {rc}\n{out}\n{err}"
    for want in (f"{cfg}:2: master_key: a master key is not accepted in the configuration file",
                 f"{cfg}:4: server.workers: expected an integer, got a string",
                 f"{cfg}:5: server.threads: unknown key; did you mean key_pool.threads?",
                 f"{cfg}:7: database.url: must be empty"):
        assert want in err, f"missing {want!r} in:\n{err}"
    assert "configuration invalid" in err
    assert key not in out + err and SECRET_PW not in out + err

    # Valid syntax, but csrd could not start: an unreadable master key file.
    good = write(tmp_path / "good.toml", f'data_dir = "{tmp_path}/data"\n'
                                         f'master_key_file = "{tmp_path}/nope.key"\n')
    rc, out, err = run_csrd(csrd_bin, "serve", "--config", good, "--check-config")
    assert rc == 2, f"rc {rc}\n{out}\n{err}"
    assert f"master_key_file {tmp_path}/nope.key: No such file or directory" in err
    assert 'master_key_file = "' in out  # the configuration is still shown


def test_serve_with_a_bad_configuration_exits_2_without_serving(csrd_bin, tmp_path):
    port = ct.free_port()
    cfg = write(tmp_path / "csrd.toml", f'[server]\nlisten = "127.0.0.1:{port}"\n\n[limits]\n'
                                        'idle_timeout = 0\n')
    t0 = time.time()
    rc, out, err = run_csrd(csrd_bin, "serve", "--config", cfg, "--data-dir", str(tmp_path / "d"))
    assert rc == 2, f"rc {rc}\n{err}"
    assert time.time() - t0 < 20
    assert f"{cfg}:5: limits.idle_timeout: must be 1..86400, got 0" in err
    assert not (tmp_path / "d").exists(), "nothing may be touched before the configuration is valid"

    # A bad variable holding a password: named, never shown.
    rc, _, err = run_csrd(csrd_bin, "serve", "--data-dir", str(tmp_path / "d"),
                          env=clean_env(CSRD_DATABASE=f"mysql://u:{SECRET_PW}@h/db"))
    assert rc == 2 and "CSRD_DATABASE" in err and SECRET_PW not in err, err
    # A missing configuration file.
    rc, _, err = run_csrd(csrd_bin, "serve", "--config", str(tmp_path / "missing.toml"))
    assert rc == 2 and f"cannot read config file {tmp_path}/missing.toml" in err, err
    # A usage error of the command line itself.
    rc, _, err = run_csrd(csrd_bin, "serve", "--no-such-flag")
    assert rc == 2, err


def test_example_configuration_checks_ok(csrd_bin, tmp_path):
    rc, out, err = run_csrd(csrd_bin, "serve", "--config", os.path.join(REPO, "packaging", "csrd.toml"),
                            "--data-dir", str(tmp_path / "data"), "--check-config")
    assert rc == 0, f"rc {rc}\n{out}\n{err}"
    assert "# config file: " in out and "(from --config)" in out
