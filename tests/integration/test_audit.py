"""The audit log (issue 6): GET /v3/scm/audit-events and the events behind it, and the
export counters of the CSR object (contract §1, §3, §8; shared-defs "GET /v3/scm/audit-events").

Each test works in an account of its own, so the trail holds exactly what the test did."""
import pytest

import csrdtest as ct
from aksk import signed_request
from csrdtest import assert_scm_error

AUDIT = "/v3/scm/audit-events"
CRED = "/v3.0/OS-CREDENTIAL/credentials"
FIELDS = ["id", "time", "account_id", "user_id", "user_name", "action", "resource_id",
          "remote_addr", "request_id", "outcome", "detail"]


def rid(r):
    v = r.headers.get("X-Request-Id")
    assert v and ct.REQUEST_ID.match(v), r
    return v


def events(server, token, query=""):
    r = server.request("GET", AUDIT + ("?" + query if query else ""), token=token)
    j = ct.expect(r, 200)
    assert sorted(j) == ["audit_events", "total"], j
    assert type(j["total"]) is int
    for e in j["audit_events"]:
        assert list(e) == FIELDS, f"fields and their order: {list(e)}"
        for f in FIELDS:
            assert type(e[f]) is (int if f in ("id", "time") else str), (f, e)
    return j


def assert_newest_first(items):
    keys = [(e["time"], e["id"]) for e in items]
    assert keys == sorted(keys, reverse=True), keys


class Trail:
    pass


@pytest.fixture(scope="module")
def trail(server, world, ossl):
    """A fresh account where every audited thing happens once, with the request ids."""
    t = Trail()
    t.account, t.account_id = world.new_account("audit")
    t.full = world.new_user(t.account, [ct.ROLE_FULL], "aud")
    t.ro = world.new_user(t.account, [ct.ROLE_RO], "audro")
    tok = t.full.token
    t.t0 = ct.now_ms()
    t.rids = {}

    r = server.request("POST", "/v3/scm/csr", js=ct.csr_body(name="audited"), token=tok)
    t.csr = ct.expect(r, 201)
    t.rids["create"] = rid(r)
    t.csr_id = t.csr["id"]

    key = ossl.genkey("EC_P256")
    t.up_key = key
    up = ossl.make_csr(key, "/CN=audit-up.example.com")
    r = server.request("POST", "/v3/scm/csr/upload", js={"name": "up", "csr": up, "private_key": key},
                       token=tok)
    t.up_id = ct.expect(r, 200)["id"]
    t.rids["upload"] = rid(r)

    r = server.request("PUT", f"/v3/scm/csr/{t.csr_id}", js={"name": "renamed"}, token=tok)
    t.renamed = ct.expect(r, 200)
    t.rids["update"] = rid(r)

    t.exports = []
    for _ in range(2):
        before = ct.now_ms()
        r = server.request("GET", f"/v3/scm/csr/{t.csr_id}/private-key", token=tok)
        t.private_key = ct.expect(r, 200)["private_key"]
        t.exports.append((rid(r), before, ct.now_ms()))

    r = server.request("DELETE", f"/v3/scm/csr/{t.up_id}", token=tok)
    assert r.status == 204, r
    t.rids["delete"] = rid(r)

    r = server.request("POST", CRED, js={"credential": {"user_id": t.full.user_id}}, token=tok)
    t.key1 = ct.expect(r, 201)["credential"]
    t.rids["create_key1"] = rid(r)
    r = server.request("DELETE", f"{CRED}/{t.key1['access']}", token=tok)
    assert r.status == 204, r
    t.rids["delete_key1"] = rid(r)

    t.wrong_password = "Wrong-" + t.full.password[::-1]
    r = server.login(t.account, t.full.user, t.wrong_password)
    ct.assert_keystone_error(r, 401)
    t.rids["login"] = rid(r)
    r = server.login(t.account, "no-such-user-" + t.full.password, t.full.password)
    ct.assert_keystone_error(r, 401)
    t.rids["login_unknown"] = rid(r)

    r = server.request("POST", CRED, js={"credential": {"user_id": t.full.user_id}}, token=tok)
    t.key2 = ct.expect(r, 201)["credential"]
    t.rids["create_key2"] = rid(r)
    for _ in range(5):
        r = signed_request(server, t.key2["access"], "z" * 40, "GET", "/v3/scm/csr")
        assert_scm_error(r, 401, "APIGW.0301")
    t.rids["lock"] = rid(r)
    t.t1 = ct.now_ms()
    return t


def test_every_event_is_recorded_with_who_where_and_which_request(server, trail):
    t = trail
    j = events(server, t.full.token)
    items = j["audit_events"]
    assert j["total"] == len(items) == 12, items
    assert_newest_first(items)
    got = [(e["action"], e["resource_id"], e["request_id"]) for e in items]
    assert got == [
        ("iam::akLocked", t.key2["access"], t.rids["lock"]),
        ("iam::createCredential", t.key2["access"], t.rids["create_key2"]),
        ("iam::login", "", t.rids["login_unknown"]),
        ("iam::login", "", t.rids["login"]),
        ("iam::deleteCredential", t.key1["access"], t.rids["delete_key1"]),
        ("iam::createCredential", t.key1["access"], t.rids["create_key1"]),
        ("scm::deleteCsr", t.up_id, t.rids["delete"]),
        ("scm::getCsrPrivateKey", t.csr_id, t.exports[1][0]),
        ("scm::getCsrPrivateKey", t.csr_id, t.exports[0][0]),
        ("scm::updateCsr", t.csr_id, t.rids["update"]),
        ("scm::uploadCsr", t.up_id, t.rids["upload"]),
        ("scm::createCsr", t.csr_id, t.rids["create"]),
    ], got
    for e in items:
        assert e["account_id"] == t.account_id, e
        assert e["remote_addr"] == "127.0.0.1", e
        assert t.t0 <= e["time"] <= t.t1, (e, t.t0, t.t1)
        if e["request_id"] == t.rids["login_unknown"]:
            # An unknown user's name is not recorded: it could be a password.
            assert (e["user_id"], e["user_name"], e["outcome"]) == ("", "", "failure"), e
            assert e["detail"] == "unknown user", e
            continue
        assert (e["user_id"], e["user_name"]) == (t.full.user_id, t.full.user), e
        failure = e["action"] in ("iam::login", "iam::akLocked")
        assert e["outcome"] == ("failure" if failure else "success"), e
    by_rid = {e["request_id"]: e for e in items}
    assert by_rid[t.rids["login"]]["detail"] == "wrong password"
    assert "renamed" in by_rid[t.rids["update"]]["detail"]
    assert "audited" in by_rid[t.rids["create"]]["detail"]
    assert "EC_P256" in by_rid[t.rids["upload"]]["detail"]
    assert "locked" in by_rid[t.rids["lock"]]["detail"]
    assert by_rid[t.exports[0][0]]["time"] >= t.exports[0][1]

    # Never a secret: passwords, SKs, the private keys.
    body = server.request("GET", AUDIT, token=t.full.token).body.decode()
    for secret in (t.full.password, t.wrong_password, t.key1["secret"], t.key2["secret"],
                   "PRIVATE KEY", t.full.token):
        assert secret not in body, secret


def test_export_counters_move_and_update_time_does_not(server, trail):
    t = trail
    assert (t.csr["export_count"], t.csr["last_export_time"]) == (0, 0)
    assert t.renamed["export_count"] == 0 and t.renamed["update_time"] >= t.csr["update_time"]
    shown = ct.expect(server.request("GET", f"/v3/scm/csr/{t.csr_id}", token=t.full.token), 200)
    assert shown["export_count"] == 2
    assert t.exports[1][1] <= shown["last_export_time"] <= t.exports[1][2]
    assert shown["update_time"] == t.renamed["update_time"], "an export must not move update_time"
    listed = ct.expect(server.request("GET", "/v3/scm/csr?limit=50", token=t.full.token), 200)
    mine = [c for c in listed["csr_list"] if c["id"] == t.csr_id]
    assert len(mine) == 1
    assert (mine[0]["export_count"], mine[0]["last_export_time"]) == (2, shown["last_export_time"])
    for c in listed["csr_list"]:
        assert type(c["export_count"]) is int and type(c["last_export_time"]) is int, c


def test_paging_and_total(server, trail):
    t = trail
    full = events(server, t.full.token)["audit_events"]
    pages = []
    for offset in (0, 5, 10, 15):
        j = events(server, t.full.token, f"limit=5&offset={offset}")
        assert j["total"] == 12
        assert len(j["audit_events"]) == max(0, min(5, 12 - offset))
        pages += j["audit_events"]
    assert pages == full
    j = events(server, t.full.token, "limit=1")
    assert j["total"] == 12 and j["audit_events"] == full[:1]


def test_filters(server, trail):
    t = trail

    def rids_of(query):
        j = events(server, t.full.token, query)
        assert j["total"] == len(j["audit_events"]), j
        assert_newest_first(j["audit_events"])
        return [e["request_id"] for e in j["audit_events"]]

    assert rids_of("action=scm::getCsrPrivateKey") == [t.exports[1][0], t.exports[0][0]]
    assert rids_of("action=scm%3A%3AcreateCsr") == [t.rids["create"]]
    assert rids_of("action=iam::login") == [t.rids["login_unknown"], t.rids["login"]]
    assert rids_of(f"resource_id={t.csr_id}") == [t.exports[1][0], t.exports[0][0], t.rids["update"],
                                                  t.rids["create"]]
    assert rids_of(f"resource_id={t.up_id}&action=scm::deleteCsr") == [t.rids["delete"]]
    assert len(rids_of(f"user_id={t.full.user_id}")) == 11
    assert rids_of(f"user_id={t.full.user_id}&action=iam::login") == [t.rids["login"]]
    assert rids_of("action=scm::nothing") == []
    assert rids_of(f"resource_id={t.csr_id[:-1]}") == []  # exact, not a prefix

    full = events(server, t.full.token)["audit_events"]
    upd = next(e for e in full if e["request_id"] == t.rids["update"])
    within = rids_of(f"since={upd['time']}&until={upd['time']}")
    assert t.rids["update"] in within
    assert all(e["time"] == upd["time"] for e in full if e["request_id"] in within)
    after = rids_of(f"since={upd['time'] + 1}")
    assert set(after) == {e["request_id"] for e in full if e["time"] > upd["time"]}
    assert t.rids["lock"] in after
    before = rids_of(f"until={upd['time'] - 1}")
    assert set(before) == {e["request_id"] for e in full if e["time"] < upd["time"]}


def test_only_full_access_may_read_the_trail(server, world, trail):
    t = trail
    for token in (t.ro.token, world.acme_sec.token):
        assert_scm_error(server.request("GET", AUDIT, token=token), 403, "APIGW.0302")
    assert_scm_error(server.request("GET", AUDIT), 401, "APIGW.0301")


def test_another_account_sees_none_of_it(server, world, trail):
    t = trail
    j = events(server, world.globex_full.token, "limit=1000")
    ours = set(t.rids.values()) | {x[0] for x in t.exports}
    for e in j["audit_events"]:
        assert e["account_id"] == world.globex, e
        assert e["request_id"] not in ours, e
    for q in (f"resource_id={t.csr_id}", f"user_id={t.full.user_id}"):
        assert events(server, world.globex_full.token, q)["total"] == 0


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=abc", "limit=-1", "limit=1.5",
                                   "offset=-1", "offset=x", "since=-1", "until=1e3",
                                   "since=20&until=10", "limit=5&limit=5", "action=%ZZ",
                                   "user_id=%0A"])
def test_bad_query_is_400(server, trail, query):
    assert_scm_error(server.request("GET", f"{AUDIT}?{query}", token=trail.full.token), 400, "SCM.0005")


def test_signed_callers_read_the_trail_too(server, world):
    account, _ = world.new_account("auditak")
    u = world.new_user(account, [ct.ROLE_FULL], "ak")
    r = server.request("POST", CRED, js={"credential": {"user_id": u.user_id}}, token=u.token)
    key = ct.expect(r, 201)["credential"]
    r = signed_request(server, key["access"], key["secret"], "GET", f"{AUDIT}?limit=10&action=iam::createCredential")
    j = ct.expect(r, 200)
    assert j["total"] == 1 and j["audit_events"][0]["resource_id"] == key["access"], j
    assert "temporary" not in j["audit_events"][0]["detail"]


def test_domain_id_and_temporary_key_policy_bind_the_trail_too(server, world):
    account, account_id = world.new_account("auditpol")
    u = world.new_user(account, [ct.ROLE_FULL], "pol")
    r = server.request("POST", CRED, js={"credential": {"user_id": u.user_id}}, token=u.token)
    key = ct.expect(r, 201)["credential"]
    ak, sk = key["access"], key["secret"]
    r = signed_request(server, ak, sk, "GET", f"{AUDIT}?limit=1", extra={"X-Domain-Id": account_id})
    ct.expect(r, 200)
    # Another account's id in X-Domain-Id: 403, signed or with a token.
    other = {"X-Domain-Id": world.accounts[world.globex]}
    assert_scm_error(signed_request(server, ak, sk, "GET", AUDIT, extra=other), 403, "APIGW.0302")
    assert_scm_error(server.request("GET", AUDIT, token=u.token, headers=other), 403, "APIGW.0302")

    # A temporary key's policy: reading the trail is denied unless the policy allows it.
    def temp(policy):
        ident = {"methods": ["token"], "token": {"duration_seconds": 900}, "policy": policy}
        r = server.request("POST", "/v3.0/OS-CREDENTIAL/securitytokens", token=u.token,
                           js={"auth": {"identity": ident}})
        return ct.expect(r, 201)["credential"]

    csr_only = temp({"Version": "1.1", "Statement": [
        {"Effect": "Allow", "Action": ["scm::listCsr", "scm::getCsr"]}]})
    r = signed_request(server, csr_only["access"], csr_only["secret"], "GET", AUDIT,
                       security_token=csr_only["securitytoken"])
    assert_scm_error(r, 403, "APIGW.0302")
    r = signed_request(server, csr_only["access"], csr_only["secret"], "GET", "/v3/scm/csr",
                       security_token=csr_only["securitytoken"])
    ct.expect(r, 200)
    denied = temp({"Version": "1.1", "Statement": [
        {"Effect": "Allow", "Action": ["scm:*:*"]},
        {"Effect": "Deny", "Action": ["scm::listAuditEvents"]}]})
    r = signed_request(server, denied["access"], denied["secret"], "GET", AUDIT,
                       security_token=denied["securitytoken"])
    assert_scm_error(r, 403, "APIGW.0302")
    allowed = temp({"Version": "1.1", "Statement": [
        {"Effect": "Allow", "Action": ["scm::listAuditEvents"]}]})
    r = signed_request(server, allowed["access"], allowed["secret"], "GET", f"{AUDIT}?limit=5",
                       security_token=allowed["securitytoken"])
    assert ct.expect(r, 200)["total"] >= 1
