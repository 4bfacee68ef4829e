"""csrctl over https (through a TLS-terminating proxy in front of csrd, with a throwaway CA),
network failures and their exit codes, the bash completion script, and the manual pages."""

import os
import subprocess

import pytest

import csrdtest as ct
from ctl import Ctl, SilentServer, CaForTests, TlsProxy
from test_csrctl import new_key


@pytest.fixture(scope="module")
def ca(ossl):
    return CaForTests(ossl)


@pytest.fixture
def aksk_env(server, world):
    u = world.new_user(world.acme, [ct.ROLE_FULL], "tls")
    ak, sk = new_key(server, u)
    return {"HUAWEICLOUD_SDK_AK": ak, "HUAWEICLOUD_SDK_SK": sk}


@pytest.fixture
def c(csrctl_bin, tmp_path):
    return Ctl(csrctl_bin, tmp_path / "home")


@pytest.fixture
def proxy(server, ca):
    cert, key = ca.leaf("csrd-loopback", "IP:127.0.0.1,DNS:localhost")
    p = TlsProxy(server.port, cert, key)
    yield p
    p.close()


def test_https_with_the_ca_file_works(c, proxy, ca, aksk_env):
    for host in ("127.0.0.1", "localhost"):  # an IP SAN and a DNS SAN (with SNI)
        ep = f"https://{host}:{proxy.port}"
        created = c.json("--endpoint", ep, "--ca-file", ca.cert, "csr", "create", "--name", "tls",
                         "--domain", "tls.example.com", "--algo", "EC_P256", env=aksk_env)
        assert c.json("--endpoint", ep, "--ca-file", ca.cert, "csr", "show", created["id"],
                      env=aksk_env)["name"] == "tls"
    # The CA file can live in the profile (stored as an absolute path).
    c.ok("configure", "--endpoint", f"https://localhost:{proxy.port}", "--ca-file", ca.cert)
    assert c.json("profile", "show")["ca_file"] == ca.cert
    c.ok("csr", "list", env=aksk_env)


def test_an_untrusted_certificate_is_refused(c, proxy, aksk_env):
    p = c.fails(3, "--endpoint", f"https://127.0.0.1:{proxy.port}", "csr", "list", env=aksk_env)
    assert "TLS" in p.err and "not accepted" in p.err and "--ca-file" in p.err, p.err


def test_a_certificate_for_another_host_is_refused(c, server, ca, aksk_env):
    cert, key = ca.leaf("other-host", "DNS:other.example")
    other = TlsProxy(server.port, cert, key)
    try:
        for host, why in (("127.0.0.1", "IP address mismatch"), ("localhost", "hostname mismatch")):
            p = c.fails(3, "--endpoint", f"https://{host}:{other.port}", "--ca-file", ca.cert, "csr", "list",
                        env=aksk_env)
            assert why in p.err, p.err
    finally:
        other.close()


def test_an_unreadable_ca_file_is_a_configuration_error(c, proxy, aksk_env):
    p = c.fails(2, "--endpoint", f"https://127.0.0.1:{proxy.port}", "--ca-file", "/nonexistent.pem",
                "csr", "list", env=aksk_env)
    assert "/nonexistent.pem" in p.err


def test_https_to_a_plain_server_and_back(c, server, proxy, aksk_env):
    p = c.fails(3, "--endpoint", f"https://127.0.0.1:{server.port}", "csr", "list", env=aksk_env)
    assert "TLS handshake" in p.err
    p = c.fails(3, "--endpoint", f"http://127.0.0.1:{proxy.port}", "--timeout", "5", "csr", "list", env=aksk_env)
    assert "https" in p.err, p.err


def test_network_errors_are_clear(c, aksk_env):
    port = ct.free_port()
    p = c.fails(3, "--endpoint", f"http://127.0.0.1:{port}", "csr", "list", env=aksk_env)
    assert f"connection refused by 127.0.0.1:{port}" in p.err, p.err
    silent = SilentServer()
    try:
        p = c.fails(3, "--endpoint", f"http://127.0.0.1:{silent.port}", "--timeout", "1", "csr", "list",
                    env=aksk_env)
        assert "timed out after 1 s while waiting for the response" in p.err, p.err
    finally:
        silent.close()
    p = c.fails(2, "--endpoint", "http://127.0.0.1:1/v3", "csr", "list", env=aksk_env)
    assert "without a path" in p.err


def test_usage_errors_exit_2(c):
    assert c.fails(2, "csr").returncode == 2
    p = c.fails(2, "csr", "list", "--bogus")
    assert p.err.startswith("csrctl: ")
    c.fails(2, "csr", "create", "--name", "x", "--domain", "x.example.com", "--algo", "RSA_1024")
    c.fails(2, "--output", "yaml", "csr", "list")
    c.fails(2, "completion", "zsh")


# --------------------------------------------------------------------------- completion


def complete(script, words, cword=None):
    """COMPREPLY for a command line given as words (the last one is being completed)."""
    cword = len(words) - 1 if cword is None else cword
    arr = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    prog = (f"source {script}\nCOMP_WORDS=({arr}); COMP_CWORD={cword}; _csrctl\n"
            'printf "%s\\n" "${COMPREPLY[@]}"\n')
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    assert p.returncode == 0, p.stderr.decode()
    return [w for w in p.stdout.decode().splitlines() if w]


def test_bash_completion(c, tmp_path):
    script = str(tmp_path / "csrctl.bash")
    with open(script, "w") as f:
        f.write(c.ok("completion", "bash").out)
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", f"source {script} && complete -p csrctl"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    assert p.returncode == 0 and p.stdout.decode().strip() == "complete -F _csrctl csrctl", p
    assert complete(script, ["csrctl", "csr", ""]) == ["create", "list", "show", "rename", "delete", "key",
                                                       "upload"]
    assert complete(script, ["csrctl", ""]) == ["configure", "login", "logout", "profile", "csr", "audit",
                                                "completion"]
    assert complete(script, ["csrctl", "csr", "cr"]) == ["create"]
    # Global options before the command are skipped with their values.
    assert complete(script, ["csrctl", "--profile", "x", "-o", "json", "csr", "k"]) == ["key"]
    assert set(complete(script, ["csrctl", "csr", "create", "--al"])) == {"--algo"}
    assert complete(script, ["csrctl", "csr", "create", "--algo", "EC"]) == ["EC_P256", "EC_P384"]
    assert complete(script, ["csrctl", "--output", ""]) == ["table", "json"]
    opts = complete(script, ["csrctl", "csr", "key", "--"])
    assert {"--out", "--stdout", "--force", "--endpoint", "--output"} <= set(opts)
    # File names where a file is expected.
    open(tmp_path / "mykey.pem", "w").close()
    got = complete(script, ["csrctl", "csr", "upload", "--csr", str(tmp_path / "myk")])
    assert got == [str(tmp_path / "mykey.pem")]
    # Profile names from the config file.
    c.ok("--profile", "alpha", "configure", "--endpoint", "http://127.0.0.1:1")
    c.ok("--profile", "beta", "configure", "--endpoint", "http://127.0.0.1:1")
    prog = (f"export XDG_CONFIG_HOME={c.home}/xdg; source {script}; COMP_WORDS=(csrctl --profile ''); "
            'COMP_CWORD=2; _csrctl; printf "%s\\n" "${COMPREPLY[@]}"')
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog], stdout=subprocess.PIPE, timeout=30)
    assert out.stdout.decode().split() == ["alpha", "beta"]


# --------------------------------------------------------------------------- help


def test_help_reads_like_a_manual(c):
    top = c.ok("--help").out
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS", "FILES", "ENVIRONMENT",
                    "EXIT STATUS", "EXAMPLES"):
        assert f"\n{section}\n" in "\n" + top, f"section {section} missing from csrctl --help"
    for var in ("CSRCTL_ENDPOINT", "CSRCTL_PROFILE", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "XDG_CONFIG_HOME"):
        assert var in top
    for cmd in (["csr", "create"], ["csr", "key"], ["csr", "upload"], ["login"], ["configure"], ["audit", "list"],
                ["completion"]):
        page = c.ok(*cmd, "--help").out
        assert page.startswith(f"NAME\n    csrctl {' '.join(cmd)} - "), page[:200]
        for section in ("SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLES"):
            assert f"\n{section}\n" in page, f"{section} missing from {cmd} --help"
    assert "mode 0600" in c.ok("csr", "key", "--help").out
    assert c.ok("--version").out.startswith("csrctl ")
