"""Restart, kill -9, bootstrap and master key (contract §7; the server CLI of the brief)."""
import base64
import http.client
import json
import os
import re
import secrets
import signal
import socket
import stat
import time

import pytest

import csrdtest as ct
from csrdtest import assert_keystone_error, assert_scm_error


def setup_user(srv, roles=(ct.ROLE_FULL,)):
    w = ct.World(srv)
    acct, _ = w.new_account("persist")
    return w.new_user(acct, list(roles))


def snapshot(srv, token):
    j = ct.expect(srv.request("GET", "/v3/scm/csr?limit=50", token=token), 200)
    return j


def files_named_in_log(srv):
    found = set()
    for m in re.finditer(re.escape(srv.data_dir) + r"/[^\s\"',;)\]}]+", srv.log_text()):
        p = m.group(0).rstrip(".")
        if os.path.isfile(p):
            found.add(p)
    return found


def is_sqlite(path):
    with open(path, "rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def test_sigterm_restart_keeps_everything(fresh, ossl):
    srv = fresh().start()
    p = setup_user(srv)
    tok = p.token
    ec = ct.create_ok(srv, tok, name="keep-ec", private_key_algo="EC_P256", **ct.ENTERPRISE)
    sm2 = ct.create_ok(srv, tok, name="keep-sm2", private_key_algo="SM2")
    gone = ct.create_ok(srv, tok, name="gone")
    renamed = ct.expect(srv.request("PUT", f"/v3/scm/csr/{sm2['id']}", js={"name": "renamed"}, token=tok), 200)
    key = ossl.genkey("RSA_2048", "pkcs1")
    up_csr = ossl.make_csr(key, "/O=Up/CN=up.persist.example.com")
    up = ct.expect(srv.request("POST", "/v3/scm/csr/upload", js={"name": "up", "csr": up_csr, "private_key": key},
                               token=tok), 200)
    nokey = ct.expect(srv.request("POST", "/v3/scm/csr/upload", js={"name": "nokey", "csr": up_csr}, token=tok), 200)
    ct.expect(srv.request("DELETE", f"/v3/scm/csr/{gone['id']}", token=tok), 204)
    keys = {c: ct.expect(srv.request("GET", f"/v3/scm/csr/{c}/private-key", token=tok), 200)["private_key"]
            for c in (ec["id"], sm2["id"], up["id"])}
    before = snapshot(srv, tok)

    rc = srv.stop(signal.SIGTERM)
    assert rc == 0, f"SIGTERM must exit 0, got {rc}; log:\n{srv.log_tail()}"

    # An admin command on the stopped store, then start again on the same data dir.
    srv.create_user(p.account, "lateuser", "Late-pw-12345", [ct.ROLE_RO])
    srv.start()
    ct.expect(srv.login(p.account, "lateuser", "Late-pw-12345"), 201)

    ct.expect(srv.request("GET", "/v3/scm/csr", token=tok), 200)  # the old token still works
    after = snapshot(srv, tok)
    assert after["total"] == before["total"] == 4
    assert after["csr_list"] == before["csr_list"], "CSRs differ after a restart"
    for cid, pem in keys.items():
        got = ct.expect(srv.request("GET", f"/v3/scm/csr/{cid}/private-key", token=tok), 200)["private_key"]
        assert got == pem, f"key of {cid} changed across restart"
    shown = ct.expect(srv.request("GET", f"/v3/scm/csr/{sm2['id']}", token=tok), 200)
    assert shown["name"] == "renamed" and shown["update_time"] == renamed["update_time"]
    assert_scm_error(srv.request("GET", f"/v3/scm/csr/{gone['id']}", token=tok), 400, "SCM.0707")
    assert_scm_error(srv.request("GET", f"/v3/scm/csr/{nokey['id']}/private-key", token=tok), 400, "SCM.0010")
    assert ossl.key_pubkey(keys[up["id"]]) == ossl.csr_pubkey(up_csr)
    assert srv.stop() == 0


def test_revoked_token_stays_revoked_after_restart(fresh):
    srv = fresh().start()
    p = setup_user(srv)
    t2 = srv.token(p.account, p.user, p.password)
    ct.expect(srv.request("DELETE", "/v3/auth/tokens", headers={"X-Auth-Token": p.token, "X-Subject-Token": t2}), 204)
    assert srv.stop() == 0
    srv.start()
    assert_scm_error(srv.request("GET", "/v3/scm/csr", token=t2), 401, "APIGW.0301")
    ct.expect(srv.request("GET", "/v3/scm/csr", token=p.token), 200)


def test_kill9_right_after_create(fresh, ossl):
    srv = fresh().start()
    p = setup_user(srv)
    r = ct.create(srv, p.token, name="crash-safe", private_key_algo="EC_P384")
    srv.kill9()
    obj = ct.expect(r, 201)
    srv.start()
    shown = ct.expect(srv.request("GET", f"/v3/scm/csr/{obj['id']}", token=p.token), 200)
    for f in ct.CSR_FIELDS:
        assert shown[f] == obj[f], f"{f} differs after kill -9"
    pem = ct.expect(srv.request("GET", f"/v3/scm/csr/{obj['id']}/private-key", token=p.token), 200)["private_key"]
    assert ossl.key_pubkey(pem) == ossl.csr_pubkey(obj["csr"])


def server_rx_queue(server_port, client_port):
    """Bytes the server has not read yet on the server side of one loopback connection
    (from /proc/net/tcp), or None if the socket is not found."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            local, remote, queues = parts[1], parts[2], parts[4]
            if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
                return int(queues.split(":")[1], 16)
    return None


def wait_read_by_server(srv, sock, timeout=10.0):
    """Waits until the server has read every byte sent on sock: the request is then in flight."""
    cport = sock.getsockname()[1]
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server_rx_queue(srv.port, cport) == 0:
            return
        time.sleep(0.005)
    raise AssertionError("the server did not read the request within 10 s")


def request_bytes(method, path, token, body):
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def read_response(sock, timeout=60):
    sock.settimeout(timeout)
    resp = http.client.HTTPResponse(sock, method="POST")
    resp.begin()
    return resp.status, resp.read()


@pytest.mark.parametrize("algo", ["EC_P256", "RSA_4096"])
def test_sigterm_finishes_in_flight_request(fresh, algo):
    srv = fresh().start()
    p = setup_user(srv)
    body = json.dumps(ct.csr_body(name="in-flight", private_key_algo=algo)).encode()
    sock = socket.create_connection(("127.0.0.1", srv.port))
    try:
        sock.sendall(request_bytes("POST", "/v3/scm/csr", p.token, body))
        wait_read_by_server(srv, sock)
        t0 = time.time()
        srv.proc.send_signal(signal.SIGTERM)
        try:
            status, data = read_response(sock)
        except (OSError, http.client.HTTPException) as e:
            raise AssertionError(f"a request the server had fully read was dropped on SIGTERM after "
                                 f"{time.time() - t0:.2f}s: {e!r}\nlog:\n{srv.log_tail()}")
    finally:
        sock.close()
    assert status == 201, f"in-flight create answered {status}: {data[:300]!r}"
    rc = srv.stop()
    assert rc == 0, f"exit code after SIGTERM: {rc}"
    cid = json.loads(data)["id"]
    srv.start()
    ct.expect(srv.request("GET", f"/v3/scm/csr/{cid}", token=p.token), 200)


def test_sigterm_while_body_is_arriving(fresh):
    """A request whose head has arrived is in flight: SIGTERM lets it finish."""
    srv = fresh().start()
    p = setup_user(srv)
    body = json.dumps(ct.csr_body(name="half-sent", pad="p" * 200_000)).encode()
    data = request_bytes("POST", "/v3/scm/csr", p.token, body)
    cut = len(data) - len(body) // 2
    sock = socket.create_connection(("127.0.0.1", srv.port))
    try:
        sock.sendall(data[:cut])
        wait_read_by_server(srv, sock)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        try:
            sock.sendall(data[cut:])
            status, resp = read_response(sock)
        except (OSError, http.client.HTTPException) as e:
            raise AssertionError(f"a request being received was dropped on SIGTERM: {e!r}\nlog:\n{srv.log_tail()}")
    finally:
        sock.close()
    assert status == 201, f"{status}: {resp[:300]!r}"
    assert srv.stop() == 0


def test_bootstrap_password_is_ignored_once_an_account_exists(fresh):
    srv = fresh(bootstrap_password="First-pw-123456")
    srv.start()
    ct.expect(srv.login("default", "admin", "First-pw-123456"), 201)
    assert srv.stop() == 0
    srv.bootstrap_password = "Second-pw-654321"
    srv.start()
    ct.expect(srv.login("default", "admin", "First-pw-123456"), 201)
    assert_keystone_error(srv.login("default", "admin", "Second-pw-654321"), 401)
    assert "Second-pw-654321" not in srv.log_text() and "First-pw-123456" not in srv.log_text()


def test_bootstrap_admin_roles(fresh):
    srv = fresh().start()
    tok = srv.token("default", "admin", srv.bootstrap_password)
    made = ct.create_ok(srv, tok, name="by-admin")
    ct.expect(srv.request("GET", f"/v3/scm/csr/{made['id']}/private-key", token=tok), 200)
    ct.expect(srv.request("GET", "/v3/scm/csr", token=tok), 200)


def test_bootstrap_without_password_writes_a_0600_file(fresh):
    srv = fresh(bootstrap_password=None)
    srv.start()
    logged = files_named_in_log(srv)
    assert logged, f"the log must name the generated password file (§7):\n{srv.log_tail()}"
    ok = False
    for path in logged:
        if is_sqlite(path):
            continue
        mode = stat.S_IMODE(os.stat(path).st_mode)
        with open(path, "rb") as f:
            content = f.read().decode("utf-8", "replace")
        for cand in {content.strip(), content.splitlines()[0].strip() if content.strip() else ""}:
            if cand and srv.login("default", "admin", cand).status == 201:
                assert mode == 0o600, f"password file {path} has mode {oct(mode)} (§7: 0600)"
                assert cand not in srv.log_text(), "the generated password must never be logged"
                ok = True
    assert ok, f"no logged file holds a password that logs in as default/admin: {logged}"


def wait_exit(srv, timeout=30):
    """Waits for a server that should refuse to start; returns (served, exit code)."""
    deadline = time.time() + timeout
    served = False
    while time.time() < deadline and srv.alive():
        try:
            if srv.request("GET", "/health", timeout=2).status == 200:
                served = True
                break
        except OSError:
            pass
        time.sleep(0.1)
    still = srv.alive()
    rc = srv.stop(signal.SIGKILL) if still else srv.stop()
    return served or still, rc


def test_master_key_file_is_generated_0600(fresh):
    """§7: a key is generated only for an empty SQLite store. On PostgreSQL none is generated:
    without CSRD_MASTER_KEY or --master-key-file csrd refuses to start and says why."""
    if ct.on_postgres():
        srv = fresh(master_key=None)
        srv.start(expect_ready=False)
        served, rc = wait_exit(srv)
        assert not served and rc not in (0, None), f"csrd must refuse PostgreSQL without a master key, rc {rc}"
        log = srv.log_text()
        assert "CSRD_MASTER_KEY" in log and "--master-key-file" in log, f"the refusal must say why:\n{log}"
        assert not os.path.exists(os.path.join(srv.data_dir, "master.key")), "no key file for PostgreSQL"
        assert not [p for p in files_named_in_log(srv)], "nothing may be written for the key"
        # The key given as a file works, and a started replica needs the same key.
        key_file = os.path.join(srv.workdir, "mk.b64")
        with open(key_file, "w") as f:
            f.write(ct.new_master_key() + "\n")
        os.chmod(key_file, 0o600)
        srv.extra_args = ["--master-key-file", key_file]
        srv.start()
        setup_user(srv)
        assert srv.stop() == 0
        srv.extra_args = []
        srv.start(expect_ready=False)
        served, rc = wait_exit(srv)
        assert not served and rc not in (0, None), "the data dir's master.key is no source on PostgreSQL"
        return
    srv = fresh().start()
    cands = [p for p in files_named_in_log(srv) if not is_sqlite(p)]
    assert cands, f"the log must name the generated master key file (§7):\n{srv.log_tail()}"
    for path in cands:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == 0o600, f"{path} mode {oct(mode)} (§7: 0600)"


def test_data_dir_holds_only_what_the_store_needs(fresh, tmp_path):
    """SQLite: csrd creates the data dir (0700) with the database and the generated master key.
    PostgreSQL: the data dir is only for a generated bootstrap password file, so with
    CSRD_BOOTSTRAP_PASSWORD set it is not even created."""
    data_dir = str(tmp_path / "made-by-csrd")
    srv = fresh(data_dir=data_dir).start()
    setup_user(srv)
    assert srv.stop() == 0
    if ct.on_postgres():
        assert not os.path.exists(data_dir), f"PostgreSQL csrd wrote to its data dir: {os.listdir(data_dir)}"
        return
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
    names = set(os.listdir(data_dir))
    assert {"csrd.db", "master.key"} <= names <= {"csrd.db", "csrd.db-wal", "csrd.db-shm", "master.key"}, names
    assert is_sqlite(os.path.join(data_dir, "csrd.db"))


def test_wrong_master_key_refuses_to_start(fresh, ossl):
    k1 = base64.b64encode(secrets.token_bytes(32)).decode()
    k2 = base64.b64encode(secrets.token_bytes(32)).decode()
    srv = fresh(env={"CSRD_MASTER_KEY": k1}).start()
    p = setup_user(srv)
    obj = ct.create_ok(srv, p.token)
    assert srv.stop() == 0

    srv.extra_env["CSRD_MASTER_KEY"] = k2
    srv.start(expect_ready=False)
    deadline = time.time() + 30
    served = False
    while time.time() < deadline and srv.alive():
        try:
            if srv.request("GET", "/health", timeout=2).status == 200:
                served = True
                break
        except OSError:
            pass
        time.sleep(0.1)
    still = srv.alive()
    rc = srv.stop(signal.SIGKILL) if still else srv.proc.returncode
    assert not served and not still, "csrd must refuse to start with a master key that does not match (§7)"
    assert rc != 0, f"refusing to start must exit non-zero, got {rc}"
    assert k2 not in srv.log_text() and k1 not in srv.log_text(), "the master key must never be logged"

    srv.extra_env["CSRD_MASTER_KEY"] = k1
    srv.start()
    pem = ct.expect(srv.request("GET", f"/v3/scm/csr/{obj['id']}/private-key", token=p.token), 200)["private_key"]
    assert ossl.key_pubkey(pem) == ossl.csr_pubkey(obj["csr"])


def test_sigterm_on_idle_server_exits_0(fresh):
    srv = fresh().start()
    t0 = time.time()
    rc = srv.stop(signal.SIGTERM, timeout=20)
    assert rc == 0, f"exit code {rc}"
    assert time.time() - t0 < 10, "an idle server must stop promptly on SIGTERM"


def test_admin_reset_password_while_running(fresh):
    srv = fresh().start()
    p = setup_user(srv)
    srv.admin("reset-password", "--account", p.account, "--user", p.user, stdin="Brand-new-pw-1\n")
    assert_scm_error(srv.request("GET", "/v3/scm/csr", token=p.token), 401, "APIGW.0301")
    ct.expect(srv.login(p.account, p.user, "Brand-new-pw-1"), 201)


def test_logs_carry_request_ids_and_no_secrets(fresh, ossl):
    """§6 never echo a secret; §8 access logs with the request id and no secrets."""
    srv = fresh().start()
    p = setup_user(srv)
    tokens = [p.token, srv.token(p.account, p.user, p.password)]
    c = ct.create_ok(srv, p.token, name="logged")
    pem = ct.expect(srv.request("GET", f"/v3/scm/csr/{c['id']}/private-key", token=p.token), 200)["private_key"]
    key = ossl.genkey("EC_P256")
    csr = ossl.make_csr(key, "/CN=log.example.com")
    ct.expect(srv.request("POST", "/v3/scm/csr/upload", js={"name": "u", "csr": csr, "private_key": key},
                          token=p.token), 200)
    srv.request("POST", "/v3/scm/csr/upload", js={"name": "u", "csr": csr, "private_key": "garbage-key-material"},
                token=p.token)
    srv.login(p.account, p.user, "Wrong-" + p.password)
    r = srv.request("GET", "/v3/scm/csr", token=p.token)
    rid = r.headers.get("X-Request-Id")
    srv.admin("reset-password", "--account", p.account, "--user", p.user, stdin="Reset-pw-777777\n")
    srv.request("GET", "/v3/scm/csr", token=p.token)
    assert srv.stop() == 0
    log = srv.log_text()
    assert rid and rid in log, "the access log must carry the request id (§8)"
    secrets_ = [p.password, "Wrong-" + p.password, "Reset-pw-777777", srv.bootstrap_password, *tokens,
                pem.splitlines()[1], key.splitlines()[1], "garbage-key-material", "PRIVATE KEY"]
    for s in secrets_:
        assert s not in log, f"the log contains a secret: {s[:12]}..."
