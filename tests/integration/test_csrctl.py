"""csrctl, the command-line client, driven as a user would against a real csrd: profiles and
their file modes, AK/SK and token auth, every csr command, key files, errors and exit codes.
Network, TLS, completion and help are in test_csrctl_tls.py."""

import http.server
import json
import os
import re
import threading

import pytest

import csrdtest as ct
from aksk import sign
from ctl import Ctl, mode

CRED = "/v3.0/OS-CREDENTIAL/credentials"
REQ_ID = re.compile(r"request id [0-9a-f]{32}")


def new_key(server, principal):
    r = server.request("POST", CRED, token=principal.token,
                       js={"credential": {"user_id": principal.user_id, "description": "csrctl"}})
    assert r.status == 201, r
    return r.json["credential"]["access"], r.json["credential"]["secret"]


@pytest.fixture
def user(world):
    return world.new_user(world.acme, [ct.ROLE_FULL], "ctl")


@pytest.fixture
def ctl(csrctl_bin, tmp_path, server, user):
    """csrctl with a default profile: the shared server's endpoint and a fresh user's AK/SK."""
    c = Ctl(csrctl_bin, tmp_path / "home")
    c.ak, c.sk = new_key(server, user)
    c.endpoint = f"http://127.0.0.1:{server.port}"
    c.user = user
    c.configure(c.endpoint, c.ak, c.sk)
    return c


def check_pair(ossl, csr_pem, key_pem, algo):
    """openssl accepts the CSR's self-signature and the key is the CSR's key."""
    info = ossl.csr_info(csr_pem, sm2=(algo == "SM2"))
    assert info["verify_ok"], f"openssl req -verify failed for {algo}:\n{info['text']}"
    assert ossl.csr_pubkey(csr_pem) == ossl.key_pubkey(key_pem), f"{algo}: key does not match the CSR"
    return info


def read(path):
    with open(path) as f:
        return f.read()


# --------------------------------------------------------------------------- profiles


def test_configure_writes_a_private_profile_and_never_shows_the_sk(ctl):
    assert mode(ctl.config) == 0o600
    assert mode(os.path.dirname(ctl.config)) == 0o700
    text = read(ctl.config)
    assert "[default]" in text and f"ak = {ctl.ak}" in text and f"sk = {ctl.sk}" in text
    p = ctl.ok("profile", "show")
    assert ctl.ak in p.out and ctl.sk not in p.out + p.err
    shown = ctl.json("profile", "show")
    assert shown["sk_set"] is True and shown["ak"] == ctl.ak and shown["endpoint"] == ctl.endpoint
    assert ctl.sk not in json.dumps(shown)
    listed = ctl.json("profile", "list")
    assert [x["name"] for x in listed["profiles"]] == ["default"] and listed["current"] == "default"
    # Only what is given changes.
    ctl.ok("configure", "--domain-id", ctl.user.account_id)
    assert ctl.json("profile", "show")["ak"] == ctl.ak
    assert ctl.json("profile", "show")["domain_id"] == ctl.user.account_id


def test_a_loose_config_file_is_refused_then_fixed_by_configure(ctl):
    os.chmod(ctl.config, 0o644)
    p = ctl.fails(2, "csr", "list")
    assert "mode 0644" in p.err and f"chmod 600 {ctl.config}" in p.err, p.err
    p = ctl.ok("configure", "--project-id", "p1")
    assert "rewritten with mode 0600" in p.err
    assert mode(ctl.config) == 0o600
    ctl.ok("csr", "list")


def test_the_sk_is_never_taken_from_argv_and_stdin_needs_the_flag(ctl):
    # No terminal and no --sk-stdin: refused rather than read silently.
    p = ctl.fails(2, "--profile", "other", "configure", "--endpoint", ctl.endpoint, "--ak", ctl.ak,
                  stdin=ctl.sk + "\n")
    assert "--sk-stdin" in p.err
    assert not re.search(r"--sk\b(?!-)", ctl.ok("configure", "--help").out), "no --sk option exists"


def test_x_domain_id_is_sent_and_checked(ctl, world):
    ctl.ok("configure", "--domain-id", world.accounts[world.globex])
    p = ctl.fails(1, "csr", "list")
    assert "HTTP 403 APIGW.0302" in p.err and REQ_ID.search(p.err), p.err
    ctl.ok("configure", "--domain-id", ctl.user.account_id)
    ctl.ok("csr", "list")


# --------------------------------------------------------------------------- CSR lifecycle


@pytest.mark.parametrize("algo", ct.ALGOS)
def test_create_writes_a_verifiable_csr_and_a_0600_key(ctl, ossl, algo):
    args = ["csr", "create", "--name", f"ctl {algo}", "--domain", f"{algo.lower().replace('_', '-')}.example.com",
            "--sans", "a.example.com;b.example.com", "--algo", algo, "--csr-out", "x.csr", "--key-out", "x.key"]
    if algo in ("RSA_3072", "SM2"):
        args += ["--usage", "ENTERPRISE", "--country", "DE", "--province", "Berlin", "--city", "Berlin",
                 "--company", "Acme GmbH"]
    created = ctl.json(*args)
    ct.assert_csr_object(created)
    assert created["private_key_algo"] == algo
    csr_path, key_path = os.path.join(ctl.home, "x.csr"), os.path.join(ctl.home, "x.key")
    assert mode(key_path) == 0o600
    assert read(csr_path) == created["csr"]
    info = check_pair(ossl, read(csr_path), read(key_path), algo)
    assert ("CN", f"{algo.lower().replace('_', '-')}.example.com") in info["subject"]
    if algo in ("RSA_3072", "SM2"):
        assert ("O", "Acme GmbH") in info["subject"]


def test_csr_lifecycle_with_aksk(ctl, ossl):
    # create (table output)
    p = ctl.ok("csr", "create", "--name", "life", "--domain", "life.example.com", "--algo", "EC_P256")
    m = re.search(r"^id\s+([0-9a-f]{32})$", p.out, re.M)
    assert m, p.out
    cid = m.group(1)
    assert re.search(r"^private_key_algo\s+EC_P256$", p.out, re.M)

    # list: table and JSON
    p = ctl.ok("csr", "list")
    assert p.out.splitlines()[0].split() == ["ID", "NAME", "DOMAIN", "ALGORITHM", "USAGE", "CREATED"]
    assert cid in p.out and "of" in p.err
    listed = ctl.json("csr", "list", "--limit", "50")
    assert cid in [c["id"] for c in listed["csr_list"]] and listed["total"] >= 1

    # show: JSON, --pem
    shown = ctl.json("csr", "show", cid)
    ct.assert_csr_object(shown)
    assert shown["name"] == "life"
    pem = ctl.ok("csr", "show", cid, "--pem").out
    assert pem == shown["csr"] and pem.startswith("-----BEGIN CERTIFICATE REQUEST-----")

    # rename
    renamed = ctl.json("csr", "rename", cid, "life 2")
    assert renamed["name"] == "life 2" and renamed["update_time"] >= shown["update_time"]
    assert ctl.json("csr", "show", cid)["name"] == "life 2"

    # key: into a 0600 file that matches the CSR
    p = ctl.ok("csr", "key", cid, "--out", "life.key")
    key_path = os.path.join(ctl.home, "life.key")
    assert mode(key_path) == 0o600 and "mode 0600" in p.out
    key_pem = read(key_path)
    assert key_pem not in p.out + p.err, "the key is never printed unless asked"
    check_pair(ossl, pem, key_pem, "EC_P256")
    count = ctl.json("csr", "show", cid)["export_count"]

    # an existing file is refused before the key is exported, and left alone
    with open(key_path, "w") as f:
        f.write("precious")
    p = ctl.fails(4, "csr", "key", cid, "--out", "life.key")
    assert "already exists" in p.err and "--force" in p.err
    assert read(key_path) == "precious"
    assert ctl.json("csr", "show", cid)["export_count"] == count, "refused before the export"
    # --force replaces it, with mode 0600 whatever the old mode
    os.chmod(key_path, 0o644)
    ctl.ok("csr", "key", cid, "--out", "life.key", "--force")
    assert read(key_path) == key_pem and mode(key_path) == 0o600
    # --stdout prints it; without --out or --stdout it is a usage error
    assert ctl.ok("csr", "key", cid, "--stdout").out == key_pem
    assert ctl.json("csr", "key", cid, "--stdout")["private_key"] == key_pem
    ctl.fails(2, "csr", "key", cid)

    # delete, then it is gone: SCM.0707 with the request id, exit 1
    assert ctl.json("csr", "delete", cid) == {"deleted": [cid]}
    p = ctl.fails(1, "csr", "show", cid)
    assert "HTTP 400 SCM.0707" in p.err and REQ_ID.search(p.err), p.err


def test_unknown_id_shows_scm_0707_and_json_errors_parse(ctl):
    p = ctl.fails(1, "csr", "show", "0" * 32)
    assert re.search(r"HTTP 400 SCM\.0707: .+ \(request id [0-9a-f]{32}\)", p.err), p.err
    p = ctl.fails(1, "--output", "json", "csr", "rename", "0" * 32, "x")
    err = json.loads(p.err)["error"]
    assert err["status"] == 400 and err["error_code"] == "SCM.0707" and len(err["request_id"]) == 32
    assert p.out == ""
    # A bad field: the server's SCM.0005 message is shown.
    p = ctl.fails(1, "csr", "create", "--name", "x", "--domain", "bad..example.com", "--key-out", "k.key",
                  "--csr-out", "k.csr")
    assert "HTTP 400 SCM.0005" in p.err
    assert not os.path.exists(os.path.join(ctl.home, "k.key")), "the reserved files go when create fails"
    assert not os.path.exists(os.path.join(ctl.home, "k.csr"))


def test_delete_reports_each_failure_and_deletes_the_rest(ctl, server, user):
    a = ct.create_ok(server, user.token)["id"]
    b = ct.create_ok(server, user.token)["id"]
    p = ctl.fails(1, "csr", "delete", a, "f" * 32, b)
    assert "SCM.0707" in p.err
    assert p.out.split() == ["deleted", a, "deleted", b]
    assert server.request("GET", f"/v3/scm/csr/{b}", token=user.token).status == 400


def test_list_filters_paging_and_all(ctl):
    tag = ct.unique("pg")
    ids = [ctl.json("csr", "create", "--name", f"{tag}-{i}", "--domain", "p.example.com",
                    "--algo", "EC_P256")["id"] for i in range(3)]
    got = ctl.json("csr", "list", "--name", tag)
    assert [c["id"] for c in got["csr_list"]] == ids[::-1] and got["total"] == 3
    got = ctl.json("csr", "list", "--name", tag, "--offset", "1", "--limit", "10")
    assert [c["id"] for c in got["csr_list"]] == ids[::-1][1:] and got["total"] == 3
    got = ctl.json("csr", "list", "--name", tag, "--algo", "RSA_2048")
    assert got == {"csr_list": [], "total": 0}
    got = ctl.json("csr", "list", "--all")
    assert set(ids) <= {c["id"] for c in got["csr_list"]} and len(got["csr_list"]) == got["total"]
    p = ctl.fails(1, "csr", "list", "--limit", "5")
    assert "SCM.0005" in p.err


def test_create_refuses_existing_output_files_before_creating(ctl, server, user):
    before = server.request("GET", "/v3/scm/csr", token=user.token).json["total"]
    with open(os.path.join(ctl.home, "taken.key"), "w") as f:
        f.write("x")
    p = ctl.fails(4, "csr", "create", "--name", "n", "--domain", "n.example.com", "--key-out", "taken.key")
    assert "taken.key already exists" in p.err
    assert server.request("GET", "/v3/scm/csr", token=user.token).json["total"] == before
    ctl.fails(2, "csr", "create", "--name", "n", "--domain", "n.example.com", "--csr-out", "s", "--key-out", "s")


# --------------------------------------------------------------------------- upload


def test_upload_with_and_without_key(ctl, ossl):
    key = ossl.genkey("EC_P384")
    csr = ossl.make_csr(key, "/C=DE/O=Up Co/CN=up.example.com", sans="DNS:up.example.com,DNS:www.up.example.com")
    with open(os.path.join(ctl.home, "up.csr"), "w") as f:
        f.write(csr)
    with open(os.path.join(ctl.home, "up.key"), "w") as f:
        f.write(key)
    up = ctl.json("csr", "upload", "--name", "uploaded", "--csr", "up.csr", "--key", "up.key")
    assert set(up) == {"id", "name", "create_time"} and up["name"] == "uploaded"
    shown = ctl.json("csr", "show", up["id"])
    assert shown["domain_name"] == "up.example.com" and shown["private_key_algo"] == "EC_P384"
    assert shown["usage"] == "ENTERPRISE" and shown["company_name"] == "Up Co"
    ctl.ok("csr", "key", up["id"], "--out", "back.key")
    check_pair(ossl, shown["csr"], read(os.path.join(ctl.home, "back.key")), "EC_P384")

    # Without its key: exporting is SCM.0010.
    bare = ctl.json("csr", "upload", "--name", "bare", "--csr", "up.csr")
    p = ctl.fails(1, "csr", "key", bare["id"], "--out", "none.key")
    assert "SCM.0010" in p.err
    assert not os.path.exists(os.path.join(ctl.home, "none.key")), "a failed export leaves no file"

    # Another key: SCM.0014. A missing file: exit 4 before any request.
    with open(os.path.join(ctl.home, "other.key"), "w") as f:
        f.write(ossl.genkey("EC_P384"))
    p = ctl.fails(1, "csr", "upload", "--name", "x", "--csr", "up.csr", "--key", "other.key")
    assert "SCM.0014" in p.err
    p = ctl.fails(4, "csr", "upload", "--name", "x", "--csr", "missing.csr")
    assert "missing.csr" in p.err


# --------------------------------------------------------------------------- auth


def test_a_bad_sk_shows_the_401(csrctl_bin, tmp_path, server, world):
    u = world.new_user(world.acme, [ct.ROLE_FULL], "badsk")
    ak, sk = new_key(server, u)
    c = Ctl(csrctl_bin, tmp_path / "home")
    c.configure(f"http://127.0.0.1:{server.port}", ak, "X" * 40)
    p = c.fails(1, "csr", "list")
    assert "HTTP 401 APIGW.0301" in p.err and REQ_ID.search(p.err), p.err
    assert "X" * 40 not in p.err


def test_login_token_and_logout(csrctl_bin, tmp_path, server, world):
    u = world.new_user(world.acme, [ct.ROLE_FULL], "login")
    c = Ctl(csrctl_bin, tmp_path / "home")
    ep = f"http://127.0.0.1:{server.port}"
    out = c.json("--endpoint", ep, "login", "--domain", u.account, "--user", u.user, "--password-stdin",
                  stdin=u.password + "\n")
    assert out["user"] == u.user and out["user_id"] == u.user_id and out["domain"] == u.account
    assert ct.IAM_TIME.match(out["expires_at"])
    assert mode(c.config) == 0o600
    text = read(c.config)
    token = re.search(r"^token = (\S+)$", text, re.M).group(1)
    assert len(token) >= 32 and token not in json.dumps(out)
    assert f"endpoint = {ep}" in text, "login keeps the endpoint it used"
    assert u.password not in text

    # The token authenticates (no AK/SK in this profile).
    created = c.json("csr", "create", "--name", "tok", "--domain", "tok.example.com", "--algo", "EC_P256")
    assert server.request("GET", f"/v3/scm/csr/{created['id']}", token=token).status == 200
    p = c.ok("profile", "show")
    assert token not in p.out and f"{u.user}@{u.account}" in p.out

    # logout revokes it on the server and forgets it.
    c.ok("logout")
    assert server.request("GET", "/v3/scm/csr", token=token).status == 401
    assert "token =" not in read(c.config)
    p = c.fails(2, "csr", "list")
    assert "no credentials" in p.err


def test_login_failures_show_the_keystone_error(csrctl_bin, tmp_path, server, world):
    u = world.new_user(world.acme, [ct.ROLE_FULL], "wrongpw")
    c = Ctl(csrctl_bin, tmp_path / "home")
    p = c.fails(1, "--endpoint", f"http://127.0.0.1:{server.port}", "login", "--domain", u.account,
                "--user", u.user, "--password-stdin", stdin="not-the-password\n")
    assert "HTTP 401 Unauthorized: The username or password is wrong." in p.err and REQ_ID.search(p.err), p.err
    assert not os.path.exists(c.config)
    p = c.fails(2, "--endpoint", f"http://127.0.0.1:{server.port}", "login", "--domain", u.account,
                "--user", u.user, stdin="pw\n")
    assert "--password-stdin" in p.err


def test_environment_overrides(csrctl_bin, tmp_path, server, user, ctl):
    ak, sk = ctl.ak, ctl.sk
    bare = Ctl(csrctl_bin, tmp_path / "bare")
    env = {"CSRCTL_ENDPOINT": f"http://127.0.0.1:{server.port}", "HUAWEICLOUD_SDK_AK": ak,
           "HUAWEICLOUD_SDK_SK": sk}
    assert "csr_list" in bare.json("csr", "list", env=env)
    # --endpoint beats CSRCTL_ENDPOINT.
    bad = dict(env, CSRCTL_ENDPOINT="http://127.0.0.1:1")
    bare.fails(3, "csr", "list", env=bad)
    bare.ok("--endpoint", env["CSRCTL_ENDPOINT"], "csr", "list", env=bad)
    # One of the pair alone is a usage error.
    p = bare.fails(2, "csr", "list", env={"CSRCTL_ENDPOINT": env["CSRCTL_ENDPOINT"], "HUAWEICLOUD_SDK_AK": ak})
    assert "HUAWEICLOUD_SDK_SK" in p.err
    # The environment's AK/SK beat the profile's: a wrong one fails.
    p = ctl.fails(1, "csr", "list", env={"HUAWEICLOUD_SDK_AK": ak, "HUAWEICLOUD_SDK_SK": "Y" * 40})
    assert "APIGW.0301" in p.err
    # CSRCTL_PROFILE picks a profile; an unknown one is a usage error.
    ctl.configure(ctl.endpoint, ak, sk, profile="second")
    ctl.ok("csr", "list", env={"CSRCTL_PROFILE": "second"})
    p = ctl.fails(2, "csr", "list", env={"CSRCTL_PROFILE": "third"})
    assert "no profile 'third'" in p.err
    # No endpoint anywhere.
    p = bare.fails(2, "csr", "list")
    assert "no endpoint" in p.err


# --------------------------------------------------------------------------- audit


def test_audit_list(ctl):
    cid = ctl.json("csr", "create", "--name", "audited", "--domain", "au.example.com", "--algo", "EC_P256",
                   "--key-out", "au.key")["id"]
    got = ctl.json("audit", "list", "--resource-id", cid, "--action", "scm::getCsrPrivateKey", "--limit", "10")
    assert set(got) >= {"audit_events", "total"} and got["total"] >= 1
    ev = got["audit_events"][0]
    assert ev["action"] == "scm::getCsrPrivateKey" and ev["resource_id"] == cid and ev["outcome"] == "success"
    assert ev["user_id"] == ctl.user.user_id and re.fullmatch(r"[0-9a-fA-F]{32}", ev["request_id"])
    got = ctl.json("audit", "list", "--resource-id", cid, "--since", "2000-01-01", "--until", "2999-01-01")
    actions = {e["action"] for e in got["audit_events"]}
    assert {"scm::createCsr", "scm::getCsrPrivateKey"} <= actions
    p = ctl.ok("audit", "list", "--resource-id", cid)
    assert p.out.split("\n")[0].split()[:3] == ["TIME", "ACTION", "OUTCOME"]
    p = ctl.fails(1, "audit", "list", "--limit", "0")
    assert "SCM.0005" in p.err


def test_audit_list_checks_times_before_sending(ctl):
    p = ctl.fails(2, "audit", "list", "--since", "yesterday")
    assert "--since" in p.err


def test_audit_list_sends_the_documented_query_and_reads_the_documented_shape(csrctl_bin, tmp_path):
    """Against a stand-in for the route (shared-defs.md), so the client side is checked today;
    the request's signature is recomputed with the suite's independent Python signer."""
    body = {"audit_events": [{"id": 17, "time": 1764489600123, "account_id": "a" * 32, "user_id": "b" * 32,
                              "user_name": "alice", "action": "scm::getCsrPrivateKey", "resource_id": "c" * 32,
                              "remote_addr": "127.0.0.1", "request_id": "d" * 32, "outcome": "success",
                              "detail": "exported"}], "total": 42}
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        ak, sk = "FAKEAK00000000000001", "FakeSecretKey0123456789abcdefghijKLMNOPQ"
        c = Ctl(csrctl_bin, tmp_path / "home")
        c.configure(f"http://127.0.0.1:{srv.server_address[1]}", ak, sk)
        got = c.json("audit", "list", "--limit", "5", "--offset", "10", "--action", "scm::getCsrPrivateKey",
                     "--resource-id", "c" * 32, "--user-id", "b" * 32, "--since", "2025-11-30T08:00:00Z",
                     "--until", "1764489600999")
        assert got == body
        path, headers = seen[-1]
        assert path == ("/v3/scm/audit-events?action=scm%3A%3AgetCsrPrivateKey&limit=5&offset=10&"
                        f"resource_id={'c' * 32}&since=1764489600000&until=1764489600999&user_id={'b' * 32}")
        signed = re.search(r"SignedHeaders=([^,]+),", headers["authorization"]).group(1).split(";")
        assert signed == ["content-type", "host", "user-agent", "x-sdk-date"]
        assert headers["authorization"] == sign(ak, sk, "GET", path, {n: headers[n] for n in signed}, b"")

        p = c.ok("audit", "list", "--since", "2025-11-30")
        assert seen[-1][0] == "/v3/scm/audit-events?since=1764460800000"
        lines = p.out.splitlines()
        assert lines[0].split() == ["TIME", "ACTION", "OUTCOME", "USER", "RESOURCE", "FROM", "REQUEST", "ID"]
        assert lines[1].split() == ["2025-11-30", "08:00:00Z", "scm::getCsrPrivateKey", "success", "alice",
                                    "c" * 32, "127.0.0.1", "d" * 32]
        assert p.err.strip() == "1 of 42 events"
    finally:
        srv.shutdown()
        srv.server_close()
