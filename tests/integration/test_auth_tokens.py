"""Tokens: issue / validate / revoke (contract §1, §2.3, §2.4; iam-subset §3-§5) and `csrd admin`."""
import concurrent.futures
import datetime
import json

import pytest

import csrdtest as ct
from csrdtest import assert_keystone_error, assert_scm_error

WRONG = "The username or password is wrong."
TOKENS = "/v3/auth/tokens"


def parse_time(s):
    assert isinstance(s, str) and ct.IAM_TIME.match(s), f"time {s!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ"
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


def check_token_body(j, p, scoped=True):
    assert isinstance(j, dict) and isinstance(j.get("token"), dict), f"no token object: {j!r}"
    t = j["token"]
    assert t.get("methods") == ["password"]
    issued, expires = parse_time(t.get("issued_at")), parse_time(t.get("expires_at"))
    assert expires - issued == datetime.timedelta(hours=24), f"expires_at - issued_at = {expires - issued}"
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - issued).total_seconds()) < 60, f"issued_at {issued} is not now ({now})"
    u = t.get("user")
    assert isinstance(u, dict), f"token.user missing: {t!r}"
    assert u.get("id") == p.user_id and u.get("name") == p.user
    assert u.get("domain") == {"id": p.account_id, "name": p.account} or (
        u["domain"].get("id") == p.account_id and u["domain"].get("name") == p.account), f"user.domain {u.get('domain')}"
    assert u.get("password_expires_at") == "", f"password_expires_at must be \"\": {u.get('password_expires_at')!r}"
    if scoped:
        d = t.get("domain")
        assert isinstance(d, dict) and d.get("id") == p.account_id and d.get("name") == p.account, f"token.domain {d}"
    assert isinstance(t.get("roles"), list) and t["roles"], "token.roles"
    for role in t["roles"]:
        assert role.get("id") == "0" and isinstance(role.get("name"), str), f"role {role}"
    assert isinstance(t.get("catalog"), list)
    return t


def fresh_user(world, roles=(ct.ROLE_FULL,), account=None):
    return world.new_user(account or world.acme, list(roles), "tok")


def scm_list(server, token):
    return server.request("GET", "/v3/scm/csr", token=token)


# ------------------------------------------------------------------ issue


def test_issue_token(server, world):
    p = world.acme_full
    r = server.login(p.account, p.user, p.password)
    j = ct.expect(r, 201)
    assert r.headers.get("Content-Type") == ct.JSON_CT
    assert ct.REQUEST_ID.match(r.headers.get("X-Request-Id", "")), "X-Request-Id on 201"
    tok = r.headers.get("X-Subject-Token")
    assert tok and 32 <= len(tok) <= ct.MAX_TOKEN, f"X-Subject-Token {tok!r}"
    assert tok not in r.body.decode("utf-8", "replace"), "the token must appear only in the header"
    check_token_body(j, p)
    ct.expect(scm_list(server, tok), 200)
    r2 = server.login(p.account, p.user, p.password)
    assert r2.headers.get("X-Subject-Token") != tok, "every login issues a new token"
    ct.expect(scm_list(server, tok), 200)  # earlier tokens stay valid


@pytest.mark.parametrize("scope", ["<absent>", None, "name", "id", "project"])
def test_scope_variants(server, world, scope):
    p = world.acme_full
    if scope == "name":
        sc = {"domain": {"name": p.account}}
    elif scope == "id":
        sc = {"domain": {"id": p.account_id}}
    elif scope == "project":
        sc = {"project": {"name": "cn-north-4"}}
    else:
        sc = scope  # "<absent>" or None -> "scope": null (Go SDK)
    r = server.login(p.account, p.user, p.password, scope=sc)
    j = ct.expect(r, 201)
    t = check_token_body(j, p, scoped=scope in ("name", "id"))
    if scope == "project":
        proj = t.get("project")
        assert isinstance(proj, dict) and proj.get("name") == "cn-north-4" and ct.HEX32.match(proj.get("id", "")), \
            f"project-scoped token must carry the project (§2.4): {proj}"
        again = ct.expect(server.login(p.account, p.user, p.password, scope=sc), 201)["token"]["project"]["id"]
        assert again == proj["id"], "project id is stable for (account, name) (§2.5)"
    ct.expect(scm_list(server, r.headers["X-Subject-Token"]), 200)


def test_go_style_null_scope_raw(server, world):
    p = world.acme_full
    body = ('{"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"name":%s},"name":%s,'
            '"password":%s}}},"scope":null}}\n') % (json.dumps(p.account), json.dumps(p.user), json.dumps(p.password))
    r = server.request("POST", TOKENS, body=body)
    ct.expect(r, 201)


def test_user_domain_by_id(server, world):
    p = world.acme_full
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "domain": {"id": p.account_id}, "name": p.user, "password": p.password}}}}}
    ct.expect(server.request("POST", TOKENS, js=body), 201)


def test_nocatalog(server, world):
    p = world.acme_full
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "domain": {"name": p.account}, "name": p.user, "password": p.password}}}}}
    j = ct.expect(server.request("POST", TOKENS + "?nocatalog=true", js=body), 201)
    assert j["token"].get("catalog") == [], "nocatalog -> \"catalog\": []"


def test_issue_ignores_other_credentials(server, world):
    p = world.acme_full
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "domain": {"name": p.account}, "name": p.user, "password": p.password}}}}}
    r = server.request("POST", TOKENS, js=body, headers={
        "X-Auth-Token": "x" * 40, "Authorization": "SDK-HMAC-SHA256 Access=AAAA, SignedHeaders=x-sdk-date, "
                                                   "Signature=00", "X-Sdk-Date": "20200101T000000Z",
        "X-Domain-Id": "0" * 32})
    ct.expect(r, 201)


def test_wrong_credentials_are_indistinguishable(server, world):
    p = fresh_user(world)
    cases = {
        "wrong-password": server.login(p.account, p.user, p.password + "x"),
        "unknown-user": server.login(p.account, "nobody" + p.user, p.password),
        "unknown-account": server.login("noacct" + p.account, p.user, p.password),
        "empty-password": server.login(p.account, p.user, ""),
    }
    bodies = {}
    for k, r in cases.items():
        assert_keystone_error(r, 401, WRONG, "Unauthorized")
        assert p.password.encode() not in r.body
        assert "X-Subject-Token" not in r.headers, f"{k}: no token on failure"
        bodies[k] = r.json
    assert len({json.dumps(b, sort_keys=True) for b in bodies.values()}) == 1, f"401 bodies differ: {bodies}"


def test_scope_to_another_account_is_401(server, world):
    p = world.acme_full
    for sc in ({"domain": {"name": world.globex}}, {"domain": {"id": world.globex_full.account_id}}):
        r = server.login(p.account, p.user, p.password, scope=sc)
        assert_keystone_error(r, 401)
        assert "X-Subject-Token" not in r.headers


def test_lockout_after_five_wrong_passwords(server, world):
    p = fresh_user(world)
    other = fresh_user(world)
    for _ in range(5):
        assert_keystone_error(server.login(p.account, p.user, "wrong-" + p.password), 401, WRONG)
    r = server.login(p.account, p.user, p.password)
    assert_keystone_error(r, 401, WRONG, "Unauthorized")
    ct.expect(server.login(other.account, other.user, other.password), 201)


BAD_BODIES = {
    "not-json": b"{auth",
    "empty": b"",
    "array": b"[]",
    "empty-object": b"{}",
    "auth-empty": b'{"auth":{}}',
    "no-methods": b'{"auth":{"identity":{"password":{"user":{"domain":{"name":"a"},"name":"u","password":"p"}}}}}',
    "method-token": b'{"auth":{"identity":{"methods":["token"],"password":{"user":{"domain":{"name":"a"},'
                    b'"name":"u","password":"p"}}}}}',
    "no-password-object": b'{"auth":{"identity":{"methods":["password"]}}}',
    "no-user-name": b'{"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"name":"a"},'
                    b'"password":"p"}}}}}',
    "no-user-password": b'{"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"name":"a"},'
                        b'"name":"u"}}}}}',
    "password-number": b'{"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"name":"a"},'
                       b'"name":"u","password":12345}}}}}',
    "no-domain": b'{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"u","password":"p"}}}}}',
    "scope-string": b'{"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"name":"a"},'
                    b'"name":"u","password":"p"}}},"scope":"x"}}',
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_malformed_token_request(server, case):
    r = server.request("POST", TOKENS, body=BAD_BODIES[case])
    assert_keystone_error(r, 400, "The request body is invalid", "Bad Request")


def test_concurrent_logins_get_201_or_429(server, world):
    p = world.acme_full

    def one(_):
        return server.login(p.account, p.user, p.password)

    with concurrent.futures.ThreadPoolExecutor(12) as ex:
        rs = list(ex.map(one, range(12)))
    assert any(r.status == 201 for r in rs)
    for r in rs:
        assert r.status in (201, 429), f"login under load: {r!r}"
        if r.status == 429:
            assert_keystone_error(r, 429)


# ------------------------------------------------------------------ validate


def test_validate_own_token(server, world):
    p = fresh_user(world)
    r0 = server.login(p.account, p.user, p.password)
    issued = r0.json["token"]
    r = server.request("GET", TOKENS, headers={"X-Auth-Token": p.token, "X-Subject-Token": p.token})
    j = ct.expect(r, 200)
    assert r.headers.get("X-Subject-Token") == p.token
    check_token_body(j, p)
    tok2 = r0.headers["X-Subject-Token"]
    r = server.request("GET", TOKENS, headers={"X-Auth-Token": p.token, "X-Subject-Token": tok2})
    j = ct.expect(r, 200)
    assert j["token"]["issued_at"] == issued["issued_at"] and j["token"]["expires_at"] == issued["expires_at"]
    assert r.headers.get("X-Subject-Token") == tok2


def test_validate_unknown_subject_is_404(server, world):
    r = server.request("GET", TOKENS, headers={"X-Auth-Token": world.acme_full.token, "X-Subject-Token": "q" * 64})
    assert_keystone_error(r, 404, "X-Subject-Token is invalid in the request", "Not Found")


@pytest.mark.parametrize("auth", [None, "z" * 64, "short"])
def test_validate_needs_a_valid_caller(server, world, auth):
    hdrs = {"X-Subject-Token": world.acme_full.token}
    if auth:
        hdrs["X-Auth-Token"] = auth
    assert_keystone_error(server.request("GET", TOKENS, headers=hdrs), 401)


def test_validate_other_users_token(server, world):
    victim = world.acme_full.token
    ok = server.request("GET", TOKENS, headers={"X-Auth-Token": world.acme_sec.token, "X-Subject-Token": victim})
    ct.expect(ok, 200)  # a Security Administrator of the same account may (iam-subset §4)
    r = server.request("GET", TOKENS, headers={"X-Auth-Token": world.acme_ro.token, "X-Subject-Token": victim})
    assert r.status != 200, f"a plain user validated another user's token: {r!r}"
    assert_keystone_error(r, r.status)
    r = server.request("GET", TOKENS, headers={"X-Auth-Token": world.globex_full.token, "X-Subject-Token": victim})
    assert r.status != 200, f"another account validated a token: {r!r}"
    assert_keystone_error(r, r.status)


# ------------------------------------------------------------------ revoke


def test_revoke_other_own_token(server, world):
    p = fresh_user(world)
    t2 = server.token(p.account, p.user, p.password)
    r = server.request("DELETE", TOKENS, headers={"X-Auth-Token": p.token, "X-Subject-Token": t2})
    ct.expect(r, 204)
    assert r.body == b""
    assert_scm_error(scm_list(server, t2), 401, "APIGW.0301")
    r = server.request("GET", TOKENS, headers={"X-Auth-Token": p.token, "X-Subject-Token": t2})
    assert_keystone_error(r, 404, "X-Subject-Token is invalid in the request")
    ct.expect(scm_list(server, p.token), 200)


def test_revoke_self(server, world):
    p = fresh_user(world)
    r = server.request("DELETE", TOKENS, headers={"X-Auth-Token": p.token, "X-Subject-Token": p.token})
    ct.expect(r, 204)
    assert_scm_error(scm_list(server, p.token), 401, "APIGW.0301")
    assert_keystone_error(server.request("GET", TOKENS, headers={"X-Auth-Token": p.token,
                                                                 "X-Subject-Token": p.token}), 401)


def test_revoke_other_users_token(server, world):
    """iam-subset §5: an administrator token may revoke another user's token of the account."""
    victim = fresh_user(world)
    r = server.request("DELETE", TOKENS, headers={"X-Auth-Token": world.acme_ro.token,
                                                  "X-Subject-Token": victim.token})
    assert r.status != 204, f"a plain user revoked another user's token: {r!r}"
    ct.expect(scm_list(server, victim.token), 200)
    r = server.request("DELETE", TOKENS, headers={"X-Auth-Token": world.globex_full.token,
                                                  "X-Subject-Token": victim.token})
    assert r.status != 204, f"another account revoked a token: {r!r}"
    ct.expect(scm_list(server, victim.token), 200)
    r = server.request("DELETE", TOKENS, headers={"X-Auth-Token": world.acme_sec.token,
                                                  "X-Subject-Token": victim.token})
    ct.expect(r, 204)
    assert_scm_error(scm_list(server, victim.token), 401, "APIGW.0301")


def test_revoke_unknown_is_404(server, world):
    r = server.request("DELETE", TOKENS, headers={"X-Auth-Token": world.acme_full.token, "X-Subject-Token": "r" * 64})
    assert_keystone_error(r, 404)


def test_revoke_without_caller_is_401(server, world):
    r = server.request("DELETE", TOKENS, headers={"X-Subject-Token": world.acme_full.token})
    assert_keystone_error(r, 401)
    ct.expect(scm_list(server, world.acme_full.token), 200)


# ------------------------------------------------------------------ csrd admin effects


def test_password_reset_revokes_tokens(server, world):
    p = fresh_user(world)
    t2 = server.token(p.account, p.user, p.password)
    new_pw = "New-" + p.password
    server.admin("reset-password", "--account", p.account, "--user", p.user, stdin=new_pw + "\n")
    for t in (p.token, t2):
        assert_scm_error(scm_list(server, t), 401, "APIGW.0301")
    assert_keystone_error(server.login(p.account, p.user, p.password), 401, WRONG)
    ct.expect(server.login(p.account, p.user, new_pw), 201)


def test_disable_and_enable_user(server, world):
    p = fresh_user(world)
    server.admin("disable-user", "--account", p.account, "--user", p.user)
    assert_scm_error(scm_list(server, p.token), 401, "APIGW.0301")
    assert_keystone_error(server.login(p.account, p.user, p.password), 401)
    server.admin("enable-user", "--account", p.account, "--user", p.user)
    fresh_tok = server.token(p.account, p.user, p.password)
    ct.expect(scm_list(server, fresh_tok), 200)
    assert_scm_error(scm_list(server, p.token), 401, "APIGW.0301")  # revoked at disable, stays revoked


def test_roles_are_read_on_every_request(server, world):
    p = fresh_user(world, roles=(ct.ROLE_RO,))
    assert_scm_error(ct.create(server, p.token), 403, "APIGW.0302")
    server.admin("set-roles", "--account", p.account, "--user", p.user, "--role", ct.ROLE_FULL)
    ct.expect(ct.create(server, p.token), 201)
    server.admin("set-roles", "--account", p.account, "--user", p.user, "--role", ct.ROLE_RO)
    assert_scm_error(ct.create(server, p.token), 403, "APIGW.0302")
    ct.expect(scm_list(server, p.token), 200)


def test_admin_list_users(server, world):
    out = server.admin("list-users", "--account", world.acme).stdout.decode()
    for u in (world.acme_full.user, world.acme_ro.user, world.acme_sec.user):
        assert u in out, f"list-users --account {world.acme} lacks {u}: {out!r}"
    assert world.globex_full.user not in out
    assert world.acme_full.password not in out
    everyone = server.admin("list-users").stdout.decode()
    assert world.globex_full.user in everyone and "admin" in everyone


def test_admin_create_user_duplicate_fails(server, world):
    p = server.admin("create-user", "--account", world.acme, "--user", world.acme_full.user, "--role", ct.ROLE_FULL,
                     stdin="Another-pw-123\n", check=False)
    assert p.returncode != 0, "creating an existing user must fail"
    ct.expect(server.login(world.acme, world.acme_full.user, world.acme_full.password), 201)


def test_bootstrap_admin_logs_in(server):
    r = server.login("default", "admin", server.bootstrap_password)
    j = ct.expect(r, 201)
    assert j["token"]["user"]["name"] == "admin" and j["token"]["user"]["domain"]["name"] == "default"
