"""Logs: JSON lines by default (every line one object with time, level and msg; access lines with
every field of the record), text with --log-format text, and never a secret. The whole run's
logs are also searched for every secret the suite handled (conftest.pytest_sessionfinish); this
module checks one server's log right after a scenario that handles every kind of secret."""
import json
import re

import csrdtest as ct
from aksk import signed_request

RFC3339_MS_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ACCESS_FIELDS = {"request_id": str, "account_id": str, "user_id": str, "method": str, "route": str,
                 "status": int, "latency_ms": (int, float), "latency_us": int, "bytes_in": int,
                 "bytes_out": int, "remote_addr": str}
ROUTES = {"unmatched", "/v3/scm/csr", "/v3/scm/csr/{id}", "/v3/scm/csr/{id}/private-key",
          "/v3/scm/csr/upload", "/v3/auth/tokens", "/health", "/ready", "/metrics", "/openapi.json",
          "/v3.0/OS-CREDENTIAL/credentials", "/v3.0/OS-CREDENTIAL/credentials/{access}",
          "/v3.0/OS-CREDENTIAL/securitytokens", "/v3/auth/domains", "/v3/projects", "/v3/auth/catalog",
          "/v3/scm/audit-events"}
LEVELS = {"trace", "debug", "info", "warn", "error", "critical"}


def json_lines(srv):
    """Every line of the server's log, each asserted to be one JSON object with time/level/msg."""
    out = []
    for n, line in enumerate(srv.log_text().splitlines(), 1):
        try:
            obj = json.loads(line)
        except ValueError:
            raise AssertionError(f"{srv.log_path}:{n} is not JSON: {line[:300]!r}") from None
        assert isinstance(obj, dict), f"line {n} is not an object: {line[:300]!r}"
        assert RFC3339_MS_UTC.match(obj.get("time", "")), f"line {n}: time {obj.get('time')!r}"
        assert obj.get("level") in LEVELS, f"line {n}: level {obj.get('level')!r}"
        assert isinstance(obj.get("msg"), str) and obj["msg"], f"line {n}: msg {obj.get('msg')!r}"
        out.append(obj)
    return out


def scenario(srv, ossl):
    """Handles every kind of secret against srv; returns ({secret: kind}, [X-Request-Id])."""
    used, rids = {}, []

    def note(r):
        rids.append(r.headers.get("X-Request-Id"))
        return r

    used[srv.bootstrap_password] = "bootstrap password"
    admin_tok = srv.token("default", "admin", srv.bootstrap_password)
    used[admin_tok] = "token"
    w = ct.World(srv)
    acct, _ = w.new_account("logs")
    u = w.new_user(acct, [ct.ROLE_FULL], "logger")
    used[u.password] = "password"
    used[u.token] = "token"

    # A failed login with a near miss of the password.
    wrong = u.password + "-nope"
    used[wrong] = "password"
    note(srv.login(acct, u.user, wrong))

    # A permanent AK/SK, a temporary one with its security token.
    key = ct.expect(note(srv.request("POST", "/v3.0/OS-CREDENTIAL/credentials", token=u.token,
                                     js={"credential": {"user_id": u.user_id}})), 201)["credential"]
    used[key["secret"]] = "SK"
    tmp = ct.expect(note(srv.request("POST", "/v3.0/OS-CREDENTIAL/securitytokens", token=u.token,
                                     js={"auth": {"identity": {"methods": ["token"], "token": {}}}})),
                    201)["credential"]
    used[tmp["secret"]] = "SK"
    used[tmp["securitytoken"]] = "security token"
    # A token in the body of a securitytokens request.
    body_tok = ct.expect(note(srv.request("POST", "/v3.0/OS-CREDENTIAL/securitytokens",
                                          js={"auth": {"identity": {"methods": ["token"],
                                                                    "token": {"id": u.token}}}})),
                         201)["credential"]
    used[body_tok["secret"]] = "SK"
    used[body_tok["securitytoken"]] = "security token"

    # CSRs: generated (signed with the AK/SK and with the temporary key), key exported, uploaded
    # with its key.
    made = ct.expect(note(signed_request(srv, key["access"], key["secret"], "POST", "/v3/scm/csr",
                                         js=ct.csr_body(private_key_algo="EC_P256"))), 201)
    ct.expect(note(signed_request(srv, tmp["access"], tmp["secret"], "GET", "/v3/scm/csr",
                                  security_token=tmp["securitytoken"])), 200)
    pk = ct.expect(note(srv.request("GET", f"/v3/scm/csr/{made['id']}/private-key", token=u.token)),
                   200)["private_key"]
    used[pk] = "private key"
    key_pem = ossl.genkey("EC_P256")
    used[key_pem] = "private key"
    csr_pem = ossl.make_csr(key_pem, "/CN=logs.example.com")
    ct.expect(note(srv.request("POST", "/v3/scm/csr/upload", token=u.token,
                               js={"name": "up", "csr": csr_pem, "private_key": key_pem})), 200)

    # Secrets where they do not belong: in a query string, in a path, a garbage token header.
    note(srv.request("GET", f"/v3/scm/csr?limit=10&token={u.token}", token=u.token))
    note(srv.request("GET", f"/v3/scm/csr/{key['secret']}", token=u.token))
    note(srv.request("GET", f"/nowhere/{u.password}"))
    junk = "junk-token-" + "z" * 40
    used[junk] = "token"
    note(srv.request("GET", "/v3/scm/csr", token=junk))
    # A wrong signature (the signature is no secret, but the SK used is).
    note(signed_request(srv, key["access"], "S" * 40, "GET", "/v3/scm/csr"))
    # Revoke the token last.
    note(srv.request("DELETE", "/v3/auth/tokens", token=u.token, headers={"X-Subject-Token": u.token}))
    for s in used:
        ct.remember_secret(s, used[s])
    return used, rids


def test_one_servers_log_holds_no_secret_and_is_json_lines(fresh, ossl):
    srv = fresh().start()
    used, rids = scenario(srv, ossl)
    leaks = ct.find_leaks([srv.log_path], used)
    assert not leaks, "secrets in the log: " + ", ".join(kind for _, kind in leaks)

    lines = json_lines(srv)
    access = [o for o in lines if o["msg"] == "access"]
    by_rid = {o["request_id"]: o for o in access}
    for rid in rids:
        assert rid in by_rid, f"no access line for request {rid}"
    for o in access:
        for field, typ in ACCESS_FIELDS.items():
            assert isinstance(o.get(field), typ), f"access field {field}: {o.get(field)!r} in {o}"
        assert ct.REQUEST_ID.match(o["request_id"]), o
        assert o["route"] in ROUTES, f"route is not a template: {o}"
        assert abs(o["latency_ms"] * 1000 - o["latency_us"]) < 1.0, o
    # Identity on the authenticated lines only.
    made = [o for o in access if o["route"] == "/v3/scm/csr" and o["method"] == "POST"]
    assert made and made[0]["status"] == 201 and HEX32(made[0]["account_id"]) and HEX32(made[0]["user_id"])
    unauth = [o for o in access if o["status"] == 401]
    assert unauth and all(o["account_id"] == "" and o["user_id"] == "" for o in unauth)
    # Other log lines are JSON objects too (start-up lines name the listener).
    assert any("listening" in o["msg"] for o in lines if o["msg"] != "access")


def HEX32(s):
    return bool(ct.HEX32.match(s))


def test_text_format_for_humans(fresh):
    srv = fresh(extra_args=["--log-format", "text"]).start()
    tok = srv.token("default", "admin", srv.bootstrap_password)
    ct.expect(srv.request("GET", "/v3/scm/csr", token=tok), 200)
    text = srv.log_text()
    lines = text.splitlines()
    assert lines and all(not ln.startswith("{") for ln in lines), lines[:3]
    assert any(re.search(r" info access 200 GET /v3/scm/csr [0-9.]+ms ", ln) for ln in lines), text[-2000:]
    assert not ct.find_leaks([srv.log_path], {tok: "token", srv.bootstrap_password: "bootstrap password"})


def test_bad_log_format_is_refused(fresh):
    srv = fresh(extra_args=["--log-format", "xml"])
    srv.start(expect_ready=False)
    assert srv.proc.wait(30) != 0
    srv.stop()


def test_the_leak_finder_finds_and_names_only_the_kind(tmp_path):
    """The detector behind the whole-run check: a planted secret and a PEM marker are found, and
    what it reports names the file and the kind, never the secret."""
    log = tmp_path / "csrd-1.log"
    planted = "Pw-" + "q" * 20
    log.write_text('{"msg":"oops ' + planted + '"}\n{"msg":"-----BEGIN PRIVATE KEY-----"}\n')
    clean = tmp_path / "csrd-2.log"
    clean.write_text('{"msg":"nothing here"}\n')
    leaks = ct.find_leaks([str(log), str(clean)], {planted: "password", "Other-secret-1": "SK"})
    assert sorted(leaks) == sorted([(str(log), "password"), (str(log), "PEM private key marker")])
    assert all(planted not in part for leak in leaks for part in leak)
