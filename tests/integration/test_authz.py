"""Authentication, authorization, account isolation and the order of checks (contract §2.1, §2.3)."""
import secrets

import pytest

import csrdtest as ct
from csrdtest import assert_scm_error

ROUTE_NAMES = ["create", "list", "show", "update", "delete", "private-key", "upload"]


class Ctx:
    pass


@pytest.fixture(scope="module")
def cx(server, world, ossl):
    c = Ctx()
    c.csr = ct.create_ok(server, world.acme_full.token, name="authz-target")
    key = ossl.genkey("EC_P256")
    c.up_csr = ossl.make_csr(key, "/CN=authz-up.example.com")
    c.up_key = key
    r = server.request("POST", "/v3/scm/csr/upload", js={"name": "authz-nokey", "csr": c.up_csr},
                       token=world.acme_full.token)
    c.nokey_id = ct.expect(r, 200)["id"]
    return c


def route(cx, name, cid=None):
    cid = cid or cx.csr["id"]
    return {
        "create": ("POST", "/v3/scm/csr", ct.csr_body()),
        "list": ("GET", "/v3/scm/csr", None),
        "show": ("GET", f"/v3/scm/csr/{cid}", None),
        "update": ("PUT", f"/v3/scm/csr/{cid}", {"name": "authz-target"}),
        "delete": ("DELETE", f"/v3/scm/csr/{cid}", None),
        "private-key": ("GET", f"/v3/scm/csr/{cid}/private-key", None),
        "upload": ("POST", "/v3/scm/csr/upload", {"name": "authz-up", "csr": cx.up_csr, "private_key": cx.up_key}),
    }[name]


def call(server, cx, name, token=None, headers=None, cid=None):
    method, path, js = route(cx, name, cid)
    return server.request(method, path, js=js, token=token, headers=headers)


def still_there(server, world, cx):
    obj = ct.expect(server.request("GET", f"/v3/scm/csr/{cx.csr['id']}", token=world.acme_full.token), 200)
    assert obj["name"] == "authz-target", "a refused request changed the CSR"


# ------------------------------------------------------------------ 401


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_no_credentials_is_401(server, world, cx, name):
    assert_scm_error(call(server, cx, name), 401, "APIGW.0301")
    still_there(server, world, cx)


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_unknown_token_is_401(server, world, cx, name):
    assert_scm_error(call(server, cx, name, token=secrets.token_urlsafe(48)), 401, "APIGW.0301")
    still_there(server, world, cx)


@pytest.mark.parametrize("length", [1, 31, 32, ct.MAX_TOKEN, ct.MAX_TOKEN + 1])
def test_token_length_bounds_are_401_not_crash(server, length):
    r = server.request("GET", "/v3/scm/csr", token="A" * length)
    assert_scm_error(r, 401, "APIGW.0301")
    assert b"AAAAAAAAAAAAAAAAAAAA" not in r.body, "the token must not be echoed"
    ct.expect(server.request("GET", "/health"), 200)


@pytest.mark.parametrize("name", ["x-auth-token", "X-AUTH-TOKEN", "x-Auth-Token"])
def test_header_names_are_case_insensitive(server, world, name):
    r = server.request("GET", "/v3/scm/csr", headers={name: world.acme_full.token})
    ct.expect(r, 200)


def test_empty_token_is_401(server):
    assert_scm_error(server.request("GET", "/v3/scm/csr", headers={"X-Auth-Token": ""}), 401, "APIGW.0301")


@pytest.mark.parametrize("authz", ["Bearer abc", "Basic YWRtaW46YWRtaW4=",
                                   "SDK-HMAC-SHA256 Access=NOPE, SignedHeaders=x-sdk-date, Signature=00"])
def test_authorization_header_alone_authenticates(server, world, authz):
    """With Authorization present X-Auth-Token is ignored; a bad or other scheme is 401 (§2.1)."""
    r = server.request("GET", "/v3/scm/csr", token=world.acme_full.token,
                       headers={"Authorization": authz, "X-Sdk-Date": "20240101T000000Z"})
    assert_scm_error(r, 401, "APIGW.0301")


# ------------------------------------------------------------------ 403 by role


@pytest.mark.parametrize("name", ["create", "update", "delete", "upload", "private-key"])
def test_readonly_forbidden(server, world, cx, name):
    r = call(server, cx, name, token=world.acme_ro.token)
    assert_scm_error(r, 403, "APIGW.0302")
    assert b"PRIVATE KEY" not in r.body
    still_there(server, world, cx)


@pytest.mark.parametrize("name", ["list", "show"])
def test_readonly_may_read(server, world, cx, name):
    j = ct.expect(call(server, cx, name, token=world.acme_ro.token), 200)
    if name == "show":
        assert j["id"] == cx.csr["id"] and j["csr"] == cx.csr["csr"]
    else:
        assert cx.csr["id"] in [c["id"] for c in
                                ct.expect(server.request("GET", "/v3/scm/csr?limit=50&name=authz-target",
                                                         token=world.acme_ro.token), 200)["csr_list"]]


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_security_admin_has_no_scm_rights(server, world, cx, name):
    assert_scm_error(call(server, cx, name, token=world.acme_sec.token), 403, "APIGW.0302")


def test_full_access_everything(server, world, cx):
    tok = world.acme_full.token
    ct.expect(call(server, cx, "list", token=tok), 200)
    ct.expect(call(server, cx, "show", token=tok), 200)
    ct.expect(call(server, cx, "update", token=tok), 200)
    ct.expect(call(server, cx, "private-key", token=tok), 200)
    ct.expect(call(server, cx, "upload", token=tok), 200)
    made = ct.expect(call(server, cx, "create", token=tok), 201)
    ct.expect(server.request("DELETE", f"/v3/scm/csr/{made['id']}", token=tok), 204)


# ------------------------------------------------------------------ X-Domain-Id


@pytest.mark.parametrize("name", ["list", "show", "update", "private-key", "create", "delete", "upload"])
def test_x_domain_id_of_other_account_is_403(server, world, cx, name):
    r = call(server, cx, name, token=world.acme_full.token, headers={"X-Domain-Id": world.globex_full.account_id})
    assert_scm_error(r, 403, "APIGW.0302")
    still_there(server, world, cx)


@pytest.mark.parametrize("value", ["0" * 32, "garbage", "x"])
def test_x_domain_id_garbage_is_403(server, world, value):
    r = server.request("GET", "/v3/scm/csr", token=world.acme_full.token, headers={"X-Domain-Id": value})
    assert_scm_error(r, 403, "APIGW.0302")


def test_x_domain_id_own_account_is_fine(server, world, cx):
    h = {"X-Domain-Id": world.acme_full.account_id}
    ct.expect(call(server, cx, "list", token=world.acme_full.token, headers=h), 200)
    ct.expect(call(server, cx, "show", token=world.acme_ro.token, headers=h), 200)


# ------------------------------------------------------------------ isolation


@pytest.mark.parametrize("name", ["show", "update", "delete", "private-key"])
def test_other_accounts_csr_is_like_missing(server, world, cx, name):
    g = world.globex_full.token
    other = secrets.token_hex(16)
    theirs = call(server, cx, name, token=g)
    missing = call(server, cx, name, token=g, cid=other)
    e1 = assert_scm_error(theirs, 400, "SCM.0707")
    e2 = assert_scm_error(missing, 400, "SCM.0707")
    assert e1["error_msg"].replace(cx.csr["id"], "<id>") == e2["error_msg"].replace(other, "<id>"), \
        "another account's id must look exactly like a missing one (§2.3)"
    assert set(theirs.headers) == set(missing.headers), "headers differ between a foreign and a missing id"
    still_there(server, world, cx)


def test_other_accounts_keyless_upload_is_0707_not_0010(server, world, cx):
    r = server.request("GET", f"/v3/scm/csr/{cx.nokey_id}/private-key", token=world.globex_full.token)
    assert_scm_error(r, 400, "SCM.0707")
    r = server.request("GET", f"/v3/scm/csr/{cx.nokey_id}/private-key", token=world.acme_full.token)
    assert_scm_error(r, 400, "SCM.0010")


def test_list_never_shows_other_accounts(server, world, cx):
    g = world.globex_full.token
    mine = ct.create_ok(server, g, name="globex-own")
    seen, offset, total = [], 0, None
    while True:
        j = ct.expect(server.request("GET", f"/v3/scm/csr?limit=50&offset={offset}", token=g), 200)
        total = j["total"]
        seen += [c["id"] for c in j["csr_list"]]
        if not j["csr_list"] or len(seen) >= total:
            break
        offset += 50
    assert mine["id"] in seen
    assert cx.csr["id"] not in seen and cx.nokey_id not in seen, "globex sees acme's CSRs"
    j = ct.expect(server.request("GET", "/v3/scm/csr?name=authz-target", token=g), 200)
    assert j["total"] == 0 and j["csr_list"] == []


# ------------------------------------------------------------------ order of checks (§2.1)


def test_order_readonly_and_invalid_body_is_403(server, world, cx):
    r = server.request("POST", "/v3/scm/csr", js={"name": ""}, token=world.acme_ro.token)
    assert_scm_error(r, 403, "APIGW.0302")
    r = server.request("POST", "/v3/scm/csr", body=b"{not json", token=world.acme_ro.token)
    assert_scm_error(r, 403, "APIGW.0302")
    r = server.request("POST", "/v3/scm/csr/upload", js={"name": "x", "csr": "junk"}, token=world.acme_ro.token)
    assert_scm_error(r, 403, "APIGW.0302")


def test_order_readonly_and_bad_or_unknown_id_is_403(server, world):
    ro = world.acme_ro.token
    assert_scm_error(server.request("DELETE", "/v3/scm/csr/abc", token=ro), 403, "APIGW.0302")
    assert_scm_error(server.request("GET", f"/v3/scm/csr/{secrets.token_hex(16)}/private-key", token=ro),
                     403, "APIGW.0302")
    assert_scm_error(server.request("PUT", f"/v3/scm/csr/{secrets.token_hex(16)}", js={"name": ""}, token=ro),
                     403, "APIGW.0302")


def test_order_input_before_existence(server, world):
    full = world.acme_full.token
    unknown = secrets.token_hex(16)
    assert_scm_error(server.request("PUT", f"/v3/scm/csr/{unknown}", js={"name": ""}, token=full), 400, "SCM.0005")
    assert_scm_error(server.request("PUT", f"/v3/scm/csr/{unknown}", body=b"[", token=full), 400, "SCM.0005")
    assert_scm_error(server.request("PUT", f"/v3/scm/csr/{unknown}", js={"name": "ok"}, token=full), 400, "SCM.0707")


def test_order_existence_before_key_state(server, world, cx):
    full = world.acme_full.token
    assert_scm_error(server.request("GET", f"/v3/scm/csr/{cx.nokey_id[:31]}/private-key", token=full),
                     400, "SCM.0005")
    assert_scm_error(server.request("GET", f"/v3/scm/csr/{cx.nokey_id}/private-key", token=full), 400, "SCM.0010")


@pytest.mark.parametrize("path", ["/v3/scm/nope", "/v3/scm/csr/{}/nope", "/", "/v3/scm/csr/{}/", "/v3/scm",
                                  "/v3/scm/csr/upload/"])
@pytest.mark.parametrize("token", [None, "bogus" * 10])
def test_order_unknown_route_before_auth(server, cx, path, token):
    r = server.request("GET", path.format(cx.csr["id"]), token=token)
    assert_scm_error(r, 404, "APIGW.0101")


def test_order_auth_before_domain_mismatch(server, world):
    r = server.request("GET", "/v3/scm/csr", token="bogus" * 10, headers={"X-Domain-Id": world.globex_full.account_id})
    assert_scm_error(r, 401, "APIGW.0301")


def test_order_domain_mismatch_before_input_and_existence(server, world):
    h = {"X-Domain-Id": world.globex_full.account_id}
    full = world.acme_full.token
    assert_scm_error(server.request("POST", "/v3/scm/csr", js={}, token=full, headers=h), 403, "APIGW.0302")
    assert_scm_error(server.request("GET", f"/v3/scm/csr/{secrets.token_hex(16)}", token=full, headers=h),
                     403, "APIGW.0302")
    assert_scm_error(server.request("GET", "/v3/scm/csr?limit=1", token=full, headers=h), 403, "APIGW.0302")


def test_order_size_before_auth(server):
    body = b'{"name":"' + b"a" * (ct.MAX_BODY + 1) + b'"}'
    r, _ = ct.raw_exchange(server.port, (f"POST /v3/scm/csr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                                         f"\r\nContent-Length: {len(body)}\r\n\r\n").encode(), [body])
    assert r is not None, "no response to an oversized body"
    assert_scm_error(r, 413, "APIGW.0201")


def test_order_unknown_route_before_size(server):
    body = b"x" * (ct.MAX_BODY + 1)
    r, _ = ct.raw_exchange(server.port, (f"POST /v3/scm/nope HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}"
                                         f"\r\n\r\n").encode(), [body])
    assert r is not None, "no response"
    assert_scm_error(r, 404, "APIGW.0101")
