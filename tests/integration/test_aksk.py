"""AK/SK (SDK-HMAC-SHA256) authentication, the credentials API, temporary keys and domain
discovery (contract §1, §2.2–§2.5; iam-subset §6–§8), signed by tests/integration/aksk.py."""

import json
import re
import time

import pytest

import csrdtest as ct
from aksk import sdk_date, sign, signed_request

CRED = "/v3.0/OS-CREDENTIAL/credentials"
STS = "/v3.0/OS-CREDENTIAL/securitytokens"
IAM_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def new_key(srv, principal, description="t"):
    r = srv.request("POST", CRED, token=principal.token,
                    js={"credential": {"user_id": principal.user_id, "description": description}})
    assert r.status == 201, r
    return r.json["credential"]


def fresh_user(world, roles=(ct.ROLE_FULL,), account=None):
    return world.new_user(account or world.acme, list(roles), "ak")


def test_python_signer_reproduces_spec_example_a():
    h = {"Content-Type": "application/json",
         "User-Agent": "huaweicloud-usdk-python/3.0; example-agent",
         "X-Domain-Id": "0123456789abcdef0123456789abcdef", "X-Sdk-Date": "20250101T120000Z",
         "Host": "scm.example.internal:8443"}
    body = (b'{"name": "demo", "domain_name": "www.example.com", "private_key_algo": "RSA_2048", '
            b'"usage": "PERSONAL"}')
    auth = sign("EXAMPLEAK0123456789AB", "ExampleSecretKey0123456789abcdefghijKLMN", "POST",
                "/v3/scm/csr", h, body)
    assert auth.endswith("Signature=15dbd3c79d35677ff5fa44e234f9aa829246d8f9381037f1d3f8e0b76c7887e5")


def test_credentials_lifecycle(server, world):
    u = fresh_user(world)
    key = new_key(server, u, "first")
    assert re.fullmatch(r"[A-Z0-9]{20}", key["access"]), key
    assert re.fullmatch(r"[A-Za-z0-9]{40}", key["secret"]), "SK must be 40 letters/digits"
    assert key["status"] == "active" and key["user_id"] == u.user_id
    assert key["description"] == "first" and IAM_TIME.match(key["create_time"])

    r = server.request("GET", CRED, token=u.token)
    assert r.status == 200, r
    listed = r.json["credentials"]
    assert [k["access"] for k in listed] == [key["access"]]
    assert "secret" not in listed[0], "the SK is shown only once"
    assert key["secret"] not in r.body.decode()

    r = server.request("GET", f"{CRED}/{key['access']}", token=u.token)
    assert r.status == 200, r
    assert r.json["credential"]["last_use_time"] == ""

    # Using the key sets last_use_time.
    r = signed_request(server, key["access"], key["secret"], "GET", "/v3/scm/csr?limit=10")
    assert r.status == 200, r
    r = server.request("GET", f"{CRED}/{key['access']}", token=u.token)
    assert IAM_TIME.match(r.json["credential"]["last_use_time"]), r

    r = server.request("PUT", f"{CRED}/{key['access']}", token=u.token,
                       js={"credential": {"status": "inactive", "description": "off"}})
    assert r.status == 200, r
    assert r.json["credential"]["status"] == "inactive"
    r = signed_request(server, key["access"], key["secret"], "GET", "/v3/scm/csr")
    ct.assert_scm_error(r, 401, "APIGW.0301")
    r = server.request("PUT", f"{CRED}/{key['access']}", token=u.token,
                       js={"credential": {"status": "active"}})
    assert r.status == 200, r
    assert signed_request(server, key["access"], key["secret"], "GET", "/v3/scm/csr").status == 200

    for bad in ({"credential": {}}, {"credential": {"status": "paused"}}, {}):
        r = server.request("PUT", f"{CRED}/{key['access']}", token=u.token, js=bad)
        ct.assert_keystone_error(r, 400)

    r = server.request("DELETE", f"{CRED}/{key['access']}", token=u.token)
    assert r.status == 204, r
    ct.assert_keystone_error(server.request("GET", f"{CRED}/{key['access']}", token=u.token), 404)
    ct.assert_scm_error(signed_request(server, key["access"], key["secret"], "GET", "/v3/scm/csr"),
                        401, "APIGW.0301")


def test_at_most_two_permanent_keys(server, world):
    u = fresh_user(world)
    new_key(server, u)
    new_key(server, u)
    r = server.request("POST", CRED, token=u.token, js={"credential": {"user_id": u.user_id}})
    ct.assert_keystone_error(r, 400, "akSkNumExceed")


def test_keys_only_for_oneself_and_admin_powers(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    other = fresh_user(world)
    sec = world.acme_sec
    # Nobody creates a key for someone else, not even a Security Administrator.
    for caller in (other, sec):
        r = server.request("POST", CRED, token=caller.token,
                           js={"credential": {"user_id": u.user_id}})
        ct.assert_keystone_error(r, 403)
    # A plain user cannot see or touch another user's keys.
    ct.assert_keystone_error(server.request("GET", f"{CRED}?user_id={u.user_id}", token=other.token), 403)
    ct.assert_keystone_error(server.request("GET", f"{CRED}/{key['access']}", token=other.token), 403)
    ct.assert_keystone_error(server.request("DELETE", f"{CRED}/{key['access']}", token=other.token), 403)
    # The Security Administrator lists and deactivates them, but cannot re-describe them.
    r = server.request("GET", f"{CRED}?user_id={u.user_id}", token=sec.token)
    assert r.status == 200 and [k["access"] for k in r.json["credentials"]] == [key["access"]], r
    r = server.request("PUT", f"{CRED}/{key['access']}", token=sec.token,
                       js={"credential": {"description": "mine now"}})
    ct.assert_keystone_error(r, 403)
    r = server.request("PUT", f"{CRED}/{key['access']}", token=sec.token,
                       js={"credential": {"status": "inactive"}})
    assert r.status == 200, r
    # Another account's key does not exist for this caller.
    g = world.globex_full
    ct.assert_keystone_error(server.request("GET", f"{CRED}/{key['access']}", token=g.token), 404)
    ct.assert_keystone_error(server.request("GET", f"{CRED}?user_id={u.user_id}", token=g.token), 404)
    r = server.request("DELETE", f"{CRED}/{key['access']}", token=sec.token)
    assert r.status == 204, r


def test_signed_csr_routes_and_domain_id(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    ak, sk = key["access"], key["secret"]
    dom = {"X-Domain-Id": u.account_id}
    r = signed_request(server, ak, sk, "POST", "/v3/scm/csr", js=ct.csr_body(), extra=dom)
    assert r.status == 201, r
    cid = r.json["id"]
    r = signed_request(server, ak, sk, "GET", f"/v3/scm/csr/{cid}", extra=dom)
    assert r.status == 200 and r.json["id"] == cid, r
    r = signed_request(server, ak, sk, "GET", "/v3/scm/csr?offset=0&limit=10&name=" +
                       r.json["name"][:8], extra=dom)
    assert r.status == 200 and r.json["total"] >= 1, r
    r = signed_request(server, ak, sk, "PUT", f"/v3/scm/csr/{cid}", js={"name": "renamed"}, extra=dom)
    assert r.status == 200 and r.json["name"] == "renamed", r
    r = signed_request(server, ak, sk, "GET", f"/v3/scm/csr/{cid}/private-key", extra=dom)
    assert r.status == 200 and "BEGIN PRIVATE KEY" in r.json["private_key"], r
    # Another account's id in X-Domain-Id: 403 (signed or not).
    other = {"X-Domain-Id": world.accounts[world.globex]}
    ct.assert_scm_error(signed_request(server, ak, sk, "GET", "/v3/scm/csr", extra=other), 403,
                        "APIGW.0302")
    r = signed_request(server, ak, sk, "DELETE", f"/v3/scm/csr/{cid}", extra=dom)
    assert r.status == 204, r
    ct.assert_scm_error(signed_request(server, ak, sk, "GET", f"/v3/scm/csr/{cid}"), 400, "SCM.0707")


def test_signed_requests_see_user_changes_at_once(server, world):
    """A key keeps working only as long as its user does: `csrd admin set-roles` to read-only
    turns a signed write into 403 (reads still work), `csrd admin disable-user` turns every
    signed request into 401, each on the next request."""
    u = fresh_user(world)
    key = new_key(server, u)
    ak, sk = key["access"], key["secret"]
    # The user's account is shared with other tests: count from here.
    total = ct.expect(signed_request(server, ak, sk, "GET", "/v3/scm/csr"), 200)["total"]
    ct.expect(signed_request(server, ak, sk, "POST", "/v3/scm/csr", js=ct.csr_body(name="before")), 201)
    server.admin("set-roles", "--account", u.account, "--user", u.user, "--role", ct.ROLE_RO)
    ct.assert_scm_error(signed_request(server, ak, sk, "POST", "/v3/scm/csr", js=ct.csr_body(name="ro")), 403,
                        "APIGW.0302")
    assert ct.expect(signed_request(server, ak, sk, "GET", "/v3/scm/csr"), 200)["total"] == total + 1
    server.admin("disable-user", "--account", u.account, "--user", u.user)
    ct.assert_scm_error(signed_request(server, ak, sk, "GET", "/v3/scm/csr"), 401, "APIGW.0301")
    ct.assert_scm_error(signed_request(server, ak, sk, "POST", "/v3/scm/csr", js=ct.csr_body(name="off")), 401,
                        "APIGW.0301")


def test_signature_failures_are_401(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    ak, sk = key["access"], key["secret"]
    cases = {
        "wrong SK": signed_request(server, ak, sk[:-1] + ("A" if sk[-1] != "A" else "B"), "GET",
                                   "/v3/scm/csr"),
        "unknown AK": signed_request(server, "UNKNOWNAK00000000000", sk, "GET", "/v3/scm/csr"),
        "tampered body": signed_request(server, ak, sk, "POST", "/v3/scm/csr", js=ct.csr_body(),
                                        tamper_body=json.dumps(ct.csr_body(name="evil")).encode()),
        "date 16 min old": signed_request(server, ak, sk, "GET", "/v3/scm/csr",
                                          date=sdk_date(time.time() - 16 * 60)),
        "date 16 min ahead": signed_request(server, ak, sk, "GET", "/v3/scm/csr",
                                            date=sdk_date(time.time() + 16 * 60)),
        "x-sdk-date unsigned": signed_request(server, ak, sk, "GET", "/v3/scm/csr",
                                              signed=["content-type", "host"]),
        "unsigned payload": signed_request(server, ak, sk, "POST", "/v3/scm/csr", js=ct.csr_body(),
                                           extra={"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}),
        "content hash mismatch": signed_request(server, ak, sk, "POST", "/v3/scm/csr",
                                                js=ct.csr_body(),
                                                extra={"X-Sdk-Content-Sha256": "0" * 64}),
    }
    for what, r in cases.items():
        ct.assert_scm_error(r, 401, "APIGW.0301")
        assert sk not in r.body.decode(), f"{what}: the SK leaked into the error"
    # 14 minutes of skew is inside the window; the Terraform provider signs without host.
    r = signed_request(server, ak, sk, "GET", "/v3/scm/csr", date=sdk_date(time.time() - 14 * 60))
    assert r.status == 200, r
    r = signed_request(server, ak, sk, "GET", "/v3/scm/csr", signed=["x-sdk-date"])
    assert r.status == 200, r


def test_node_style_get_with_body_and_unsorted_query(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    r = signed_request(server, key["access"], key["secret"], "GET", "/v3/auth/domains", body=b"{}")
    assert r.status == 200, r
    doms = r.json["domains"]
    assert len(doms) == 1 and doms[0]["id"] == u.account_id and doms[0]["name"] == u.account, r
    r = signed_request(server, key["access"], key["secret"], "GET",
                       "/v3/scm/csr?offset=0&limit=10&private_key_algo=EC_P256")
    assert r.status == 200, r


def test_one_time_signatures_on_key_routes(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    created = server.request("POST", "/v3/scm/csr", token=u.token, js=ct.csr_body())
    cid = created.json["id"]
    path = f"/v3/scm/csr/{cid}/private-key"
    date = sdk_date()
    first = signed_request(server, key["access"], key["secret"], "GET", path, date=date)
    assert first.status == 200, first
    again = signed_request(server, key["access"], key["secret"], "GET", path, date=date)
    ct.assert_scm_error(again, 401, "APIGW.0301")
    # Ordinary routes accept the same signature twice within its window.
    a = signed_request(server, key["access"], key["secret"], "GET", "/v3/scm/csr", date=date)
    b = signed_request(server, key["access"], key["secret"], "GET", "/v3/scm/csr", date=date)
    assert a.status == 200 and b.status == 200, (a, b)


def test_lockout_after_five_bad_signatures(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    ak, sk = key["access"], key["secret"]
    bad = "x" * 40
    for _ in range(5):
        ct.assert_scm_error(signed_request(server, ak, bad, "GET", "/v3/scm/csr"), 401, "APIGW.0301")
    r = signed_request(server, ak, sk, "GET", "/v3/scm/csr")
    ct.assert_scm_error(r, 401, "APIGW.0301")
    # Token callers of the same user are not affected.
    assert server.request("GET", "/v3/scm/csr", token=u.token).status == 200


def test_success_resets_the_failure_count(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    ak, sk = key["access"], key["secret"]
    for _ in range(3):
        signed_request(server, ak, "y" * 40, "GET", "/v3/scm/csr")
    assert signed_request(server, ak, sk, "GET", "/v3/scm/csr").status == 200
    for _ in range(4):
        signed_request(server, ak, "y" * 40, "GET", "/v3/scm/csr")
    assert signed_request(server, ak, sk, "GET", "/v3/scm/csr").status == 200


def temp_key(server, auth_token, **identity_extra):
    ident = {"methods": ["token"], "token": {"duration_seconds": 900}}
    ident.update(identity_extra)
    return server.request("POST", STS, token=auth_token, js={"auth": {"identity": ident}})


def test_temporary_credentials(server, world):
    u = fresh_user(world)
    r = temp_key(server, u.token)
    assert r.status == 201, r
    c = r.json["credential"]
    assert IAM_TIME.match(c["expires_at"]) and c["securitytoken"], c
    ak, sk, st = c["access"], c["secret"], c["securitytoken"]
    r = signed_request(server, ak, sk, "POST", "/v3/scm/csr", js=ct.csr_body(), security_token=st)
    assert r.status == 201, r
    ct.assert_scm_error(signed_request(server, ak, sk, "GET", "/v3/scm/csr"), 401, "APIGW.0301")
    ct.assert_scm_error(signed_request(server, ak, sk, "GET", "/v3/scm/csr", security_token=st + "x"),
                        401, "APIGW.0301")
    # Temporary keys cannot mint keys of either kind.
    r = signed_request(server, ak, sk, "POST", CRED, js={"credential": {"user_id": u.user_id}},
                       security_token=st)
    ct.assert_keystone_error(r, 403)
    r = signed_request(server, ak, sk, "POST", STS,
                       js={"auth": {"identity": {"methods": ["token"]}}}, security_token=st)
    ct.assert_keystone_error(r, 403)
    # Revoking the parent token ends them at once.
    assert server.request("DELETE", "/v3/auth/tokens", token=u.token,
                          headers={"X-Subject-Token": u.token}).status == 204
    ct.assert_scm_error(signed_request(server, ak, sk, "GET", "/v3/scm/csr", security_token=st),
                        401, "APIGW.0301")


def test_temporary_credentials_from_permanent_key_die_with_it(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    r = signed_request(server, key["access"], key["secret"], "POST", STS,
                       js={"auth": {"identity": {"methods": ["token"],
                                                 "token": {"duration_seconds": 3600}}}})
    assert r.status == 201, r
    c = r.json["credential"]
    ok = signed_request(server, c["access"], c["secret"], "GET", "/v3/scm/csr",
                        security_token=c["securitytoken"])
    assert ok.status == 200, ok
    assert server.request("DELETE", f"{CRED}/{key['access']}", token=u.token).status == 204
    gone = signed_request(server, c["access"], c["secret"], "GET", "/v3/scm/csr",
                          security_token=c["securitytoken"])
    ct.assert_scm_error(gone, 401, "APIGW.0301")


def test_temporary_key_body_token_and_duration_rules(server, world):
    u = fresh_user(world)
    # The Go/Python SDKs put the token in the body, unsigned.
    r = server.request("POST", STS, js={"auth": {"identity": {
        "methods": ["token"], "token": {"id": u.token, "duration_seconds": 21600}}}})
    assert r.status == 201, r
    for d in (899, 86401):
        ct.assert_keystone_error(temp_key(server, u.token, token={"duration_seconds": d}), 400)
    r = server.request("POST", STS, js={"auth": {"identity": {"methods": ["token"]}}})
    ct.assert_keystone_error(r, 401)


def test_temporary_key_policy_is_enforced(server, world):
    u = fresh_user(world)
    policy = {"Version": "1.1", "Statement": [
        {"Effect": "Allow", "Action": ["scm:*:*"]},
        {"Effect": "Deny", "Action": ["scm::createCsr"]}]}
    r = temp_key(server, u.token, policy=policy)
    assert r.status == 201, r
    c = r.json["credential"]
    args = (server, c["access"], c["secret"])
    assert signed_request(*args, "GET", "/v3/scm/csr", security_token=c["securitytoken"]).status == 200
    r = signed_request(*args, "POST", "/v3/scm/csr", js=ct.csr_body(),
                       security_token=c["securitytoken"])
    ct.assert_scm_error(r, 403, "APIGW.0302")
    with_resource = {"Version": "1.1", "Statement": [
        {"Effect": "Allow", "Action": ["scm:*:*"], "Resource": ["scm:*:*:csr:*"]}]}
    ct.assert_keystone_error(temp_key(server, u.token, policy=with_resource), 400)


def test_readonly_user_with_keys_is_still_readonly(server, world):
    u = fresh_user(world, roles=(ct.ROLE_RO,))
    key = new_key(server, u)
    assert signed_request(server, key["access"], key["secret"], "GET", "/v3/scm/csr").status == 200
    r = signed_request(server, key["access"], key["secret"], "POST", "/v3/scm/csr", js=ct.csr_body())
    ct.assert_scm_error(r, 403, "APIGW.0302")


def test_projects_and_catalog(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    r = signed_request(server, key["access"], key["secret"], "GET", "/v3/projects?name=cn-north-4")
    assert r.status == 200, r
    projects = r.json["projects"]
    assert len(projects) == 1 and projects[0]["name"] == "cn-north-4", r
    assert re.fullmatch(r"[0-9a-f]{32}", projects[0]["id"])
    again = server.request("GET", "/v3/projects?name=cn-north-4", token=u.token)
    assert again.json["projects"][0]["id"] == projects[0]["id"], "project ids must be stable"
    seen = server.request("GET", "/v3/projects", token=u.token).json["projects"]
    assert projects[0]["id"] in [p["id"] for p in seen]
    # Other accounts get other ids for the same name.
    g = server.request("GET", "/v3/projects?name=cn-north-4", token=world.globex_full.token)
    assert g.json["projects"][0]["id"] != projects[0]["id"]
    r = server.request("GET", "/v3/auth/catalog", token=u.token)
    assert r.status == 200 and r.json == {"catalog": []}, r
    # X-Project-Id is accepted and ignored.
    r = signed_request(server, key["access"], key["secret"], "GET", "/v3/scm/csr",
                       extra={"X-Project-Id": projects[0]["id"]})
    assert r.status == 200, r


def test_token_validation_with_aksk(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    r = signed_request(server, key["access"], key["secret"], "GET", "/v3/auth/tokens",
                       extra={"X-Subject-Token": u.token})
    assert r.status == 200 and r.json["token"]["user"]["id"] == u.user_id, r


def test_admin_create_key(server, world):
    u = fresh_user(world)
    p = server.admin("create-key", "--account", u.account, "--user", u.user, "--description", "ops")
    key = json.loads(p.stdout.decode())
    assert re.fullmatch(r"[A-Z0-9]{20}", key["access"]) and len(key["secret"]) == 40
    assert signed_request(server, key["access"], key["secret"], "GET", "/v3/scm/csr").status == 200
    server.admin("delete-key", "--access", key["access"])
    ct.assert_scm_error(signed_request(server, key["access"], key["secret"], "GET", "/v3/scm/csr"),
                        401, "APIGW.0301")
    assert key["secret"] not in server.log_text(), "an SK reached the log"


def test_other_schemes_and_authorization_precedence(server, world):
    u = fresh_user(world)
    r = server.request("GET", "/v3/scm/csr", token=u.token,
                       headers={"Authorization": "Bearer abc"})
    ct.assert_scm_error(r, 401, "APIGW.0301")
    r = server.request("GET", "/v3/scm/csr", token=u.token,
                       headers={"Authorization": "SDK-HMAC-SHA256 Access=A, SignedHeaders=x-sdk-date, "
                                                 "Signature=" + "0" * 64, "X-Sdk-Date": sdk_date()})
    ct.assert_scm_error(r, 401, "APIGW.0301")


def test_key_description_must_be_plain_text(server, world):
    u = fresh_user(world)
    for bad in ("a\u0000b", "line\nbreak", "x" * 256):
        r = server.request("POST", CRED, token=u.token,
                           js={"credential": {"user_id": u.user_id, "description": bad}})
        ct.assert_keystone_error(r, 400)
    key = new_key(server, u, "x" * 255)
    r = server.request("PUT", f"{CRED}/{key['access']}", token=u.token,
                       js={"credential": {"description": "tab\there"}})
    ct.assert_keystone_error(r, 400)


def test_policy_also_binds_identity_routes(server, world):
    u = fresh_user(world)
    key = new_key(server, u)
    policy = {"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["scm:*:listCsr"]}]}
    r = temp_key(server, u.token, policy=policy)
    assert r.status == 201, r
    c = r.json["credential"]
    args = (server, c["access"], c["secret"])
    r = signed_request(*args, "PUT", f"{CRED}/{key['access']}",
                       js={"credential": {"status": "inactive"}}, security_token=c["securitytoken"])
    ct.assert_keystone_error(r, 403)
    r = signed_request(*args, "DELETE", "/v3/auth/tokens", extra={"X-Subject-Token": u.token},
                       security_token=c["securitytoken"])
    ct.assert_keystone_error(r, 403)
    assert server.request("GET", "/v3/scm/csr", token=u.token).status == 200, "token must survive"
    r = server.request("GET", f"{CRED}/{key['access']}", token=u.token)
    assert r.json["credential"]["status"] == "active"


def test_security_token_route_checks_auth_before_body(server, world):
    u = fresh_user(world)
    bad_body = {"auth": {"identity": {"methods": ["password"]}}}
    ct.assert_keystone_error(server.request("POST", STS, js=bad_body), 401)
    ct.assert_keystone_error(server.request("POST", STS, js=bad_body, token="x" * 40), 401)
    r = server.request("POST", STS, js=bad_body, token=u.token,
                       headers={"X-Domain-Id": world.accounts[world.globex]})
    ct.assert_keystone_error(r, 403)
    ct.assert_keystone_error(server.request("POST", STS, js=bad_body, token=u.token), 400)
