"""ShowCsr, UpdateCsr, DeleteCsr and the path {id} rules (contract §1, §3, §4 path row)."""
import secrets
import time

import pytest

import csrdtest as ct
from csrdtest import assert_scm_error


@pytest.fixture
def csr(server, world):
    return ct.create_ok(server, world.acme_full.token, **ct.ENTERPRISE, sans="a.example.com, b.example.com")


def tok(world):
    return world.acme_full.token


# ------------------------------------------------------------------ show


def test_show(server, world, csr):
    r = server.request("GET", f"/v3/scm/csr/{csr['id']}", token=tok(world))
    obj = ct.expect(r, 200)
    assert r.headers.get("Content-Type") == ct.JSON_CT
    ct.assert_csr_object(obj)
    for f in ct.CSR_FIELDS:
        assert obj[f] == csr[f], f"{f}: show {obj[f]!r} != create {csr[f]!r}"


def test_show_percent_decoded_once(server, world, csr):
    cid = csr["id"]
    enc = "%" + format(ord(cid[0]), "02X") + cid[1:]
    obj = ct.expect(server.request("GET", f"/v3/scm/csr/{enc}", token=tok(world)), 200)
    assert obj["id"] == cid


def test_show_double_encoded_is_not_decoded_twice(server, world, csr):
    cid = csr["id"]
    enc = "%25" + format(ord(cid[0]), "02X") + cid[1:]  # decodes once to "%3x..." (34 chars)
    assert_scm_error(server.request("GET", f"/v3/scm/csr/{enc}", token=tok(world)), 400, "SCM.0005")


def test_encoded_slash_is_not_resplit(server, world, csr):
    # "<id>%2Fprivate-key" is one 44-char segment on the show route, never the key route.
    r = server.request("GET", f"/v3/scm/csr/{csr['id']}%2Fprivate-key", token=tok(world))
    assert_scm_error(r, 400, "SCM.0005")
    assert b"PRIVATE KEY" not in r.body
    seg = csr["id"][:31] + "%2F"  # 32 characters once decoded: right length, not an id
    assert_scm_error(server.request("GET", f"/v3/scm/csr/{seg}", token=tok(world)), 400, "SCM.0707")


# ------------------------------------------------------------------ id rules

ROUTES_32 = [("GET", "/v3/scm/csr/{}"), ("PUT", "/v3/scm/csr/{}"), ("GET", "/v3/scm/csr/{}/private-key")]


def call(server, world, method, tmpl, cid):
    js = {"name": "renamed"} if method == "PUT" else None
    return server.request(method, tmpl.format(cid), js=js, token=tok(world))


@pytest.mark.parametrize("method,tmpl", ROUTES_32)
@pytest.mark.parametrize("length", [31, 33, 16, 40, 1])
def test_id_wrong_length_on_32_routes(server, world, method, tmpl, length):
    assert_scm_error(call(server, world, method, tmpl, secrets.token_hex(21)[:length]), 400, "SCM.0005")


@pytest.mark.parametrize("method,tmpl", ROUTES_32)
def test_id_unknown_32(server, world, method, tmpl):
    assert_scm_error(call(server, world, method, tmpl, secrets.token_hex(16)), 400, "SCM.0707")


@pytest.mark.parametrize("method,tmpl", ROUTES_32 + [("DELETE", "/v3/scm/csr/{}")])
def test_id_upper_case_of_existing_is_unknown(server, world, csr, method, tmpl):
    up = csr["id"].upper()
    if up == csr["id"]:
        pytest.skip("id has no letters")
    assert_scm_error(call(server, world, method, tmpl, up), 400, "SCM.0707")


@pytest.mark.parametrize("method,tmpl", ROUTES_32 + [("DELETE", "/v3/scm/csr/{}")])
def test_id_32_non_hex_is_unknown(server, world, method, tmpl):
    assert_scm_error(call(server, world, method, tmpl, "z" * 32), 400, "SCM.0707")


@pytest.mark.parametrize("length", [16, 17, 31, 32, 33, 40])
def test_delete_accepts_16_to_40(server, world, length):
    cid = secrets.token_hex(20)[:length]
    assert_scm_error(server.request("DELETE", f"/v3/scm/csr/{cid}", token=tok(world)), 400, "SCM.0707")


@pytest.mark.parametrize("cid", ["g" * 16, "Z-_.~" * 4, "not-a-real-id-but-right-len", "x" * 40])
def test_delete_right_length_non_hex_is_unknown(server, world, cid):
    assert_scm_error(server.request("DELETE", f"/v3/scm/csr/{cid}", token=tok(world)), 400, "SCM.0707")


@pytest.mark.parametrize("length", [1, 15, 41, 64])
def test_delete_rejects_outside_16_to_40(server, world, length):
    cid = secrets.token_hex(32)[:length]
    assert_scm_error(server.request("DELETE", f"/v3/scm/csr/{cid}", token=tok(world)), 400, "SCM.0005")


@pytest.mark.parametrize("method,path", [
    ("GET", "/v3/scm/csr/{}/"), ("PUT", "/v3/scm/csr/{}/"), ("DELETE", "/v3/scm/csr/{}/"),
    ("GET", "/v3/scm/csr/{}/private-key/"), ("GET", "/v3/scm/csr/"), ("DELETE", "/v3/scm/csr/"),
    ("PUT", "/v3/scm/csr/"), ("GET", "/v3/scm/csr//private-key"), ("GET", "/v3/scm/csr/{}/nothing"),
    ("POST", "/v3/scm/csr/upload/"), ("POST", "/v3/scm/csr/"), ("GET", "/v3/scm/csr/{}/private-key/x"),
])
def test_trailing_slash_or_empty_segment_is_404(server, world, csr, method, path):
    js = {"name": "x"} if method in ("PUT", "POST") else None
    r = server.request(method, path.format(csr["id"]), js=js, token=tok(world))
    assert_scm_error(r, 404, "APIGW.0101")


@pytest.mark.parametrize("method,path", [
    ("PATCH", "/v3/scm/csr/{}"), ("POST", "/v3/scm/csr/{}"), ("DELETE", "/v3/scm/csr"), ("PUT", "/v3/scm/csr"),
    ("POST", "/v3/scm/csr/{}/private-key"), ("DELETE", "/v3/scm/csr/{}/private-key"),
    ("PUT", "/v3/scm/csr/{}/private-key"), ("GET", "/v3/scm/csr/upload/x"),
])
def test_unknown_method_is_404(server, world, csr, method, path):
    js = {"name": "x"} if method in ("PUT", "POST", "PATCH") else None
    r = server.request(method, path.format(csr["id"]), js=js, token=tok(world))
    assert_scm_error(r, 404, "APIGW.0101")


# ------------------------------------------------------------------ update


def test_update_changes_name_and_update_time_only(server, world, csr):
    time.sleep(0.01)
    t0 = ct.now_ms()
    r = server.request("PUT", f"/v3/scm/csr/{csr['id']}", js={"name": "new name ✓"}, token=tok(world))
    t1 = ct.now_ms()
    obj = ct.expect(r, 200)
    assert r.headers.get("Content-Type") == ct.JSON_CT
    ct.assert_csr_object(obj)
    assert obj["name"] == "new name ✓"
    for f in ct.CSR_FIELDS:
        if f not in ("name", "update_time"):
            assert obj[f] == csr[f], f"UpdateCsr changed {f}: {csr[f]!r} -> {obj[f]!r}"
    assert obj["update_time"] > csr["update_time"], "update_time must move on UpdateCsr (§1)"
    assert t0 - 1000 <= obj["update_time"] <= t1 + 1000
    shown = ct.expect(server.request("GET", f"/v3/scm/csr/{csr['id']}", token=tok(world)), 200)
    assert shown["name"] == "new name ✓" and shown["update_time"] == obj["update_time"]
    assert shown["create_time"] == csr["create_time"]


def test_update_ignores_other_fields(server, world, csr):
    body = {"name": "only-name", "domain_name": "evil.example.com", "private_key_algo": "RSA_2048",
            "usage": "PERSONAL", "sans": "z.example.com", "company_name": "Other", "csr": "x",
            "id": "0" * 32, "create_time": 1}
    obj = ct.expect(server.request("PUT", f"/v3/scm/csr/{csr['id']}", js=body, token=tok(world)), 200)
    assert obj["name"] == "only-name"
    for f in ("id", "domain_name", "private_key_algo", "usage", "sans", "company_name", "csr", "create_time"):
        assert obj[f] == csr[f], f"UpdateCsr must change only name; {f} changed"


@pytest.mark.parametrize("name", ["x", "n" * 63, "名" * 63, "\U0001F600" * 63, "same"])
def test_update_name_valid(server, world, csr, name):
    obj = ct.expect(server.request("PUT", f"/v3/scm/csr/{csr['id']}", js={"name": name}, token=tok(world)), 200)
    assert obj["name"] == name


@pytest.mark.parametrize("body", [
    {}, {"name": ""}, {"name": None}, {"name": "n" * 64}, {"name": "名" * 64}, {"name": 3}, {"name": ["a"]},
    {"name": "a\x07b"}, {"name": "a\x80b"}, [], "name", {"nome": "x"},
], ids=["empty-object", "empty", "null", "64", "64-cjk", "number", "array", "c0", "c1", "array-body",
        "string-body", "missing"])
def test_update_name_invalid(server, world, csr, body):
    r = server.request("PUT", f"/v3/scm/csr/{csr['id']}", js=body, token=tok(world))
    assert_scm_error(r, 400, "SCM.0005")
    shown = ct.expect(server.request("GET", f"/v3/scm/csr/{csr['id']}", token=tok(world)), 200)
    assert shown["name"] == csr["name"] and shown["update_time"] == csr["update_time"]


def test_update_without_body_is_400(server, world, csr):
    assert_scm_error(server.request("PUT", f"/v3/scm/csr/{csr['id']}", token=tok(world)), 400, "SCM.0005")


# ------------------------------------------------------------------ delete


def test_delete_then_everything_is_0707(server, world, csr):
    cid = csr["id"]
    r = server.request("DELETE", f"/v3/scm/csr/{cid}", token=tok(world))
    ct.expect(r, 204)
    assert r.body == b"", f"204 must have an empty body, got {r.body[:100]!r}"
    assert ct.REQUEST_ID.match(r.headers.get("X-Request-Id", "")), "X-Request-Id on 204"
    assert_scm_error(server.request("GET", f"/v3/scm/csr/{cid}", token=tok(world)), 400, "SCM.0707")
    assert_scm_error(server.request("PUT", f"/v3/scm/csr/{cid}", js={"name": "x"}, token=tok(world)),
                     400, "SCM.0707")
    assert_scm_error(server.request("GET", f"/v3/scm/csr/{cid}/private-key", token=tok(world)), 400, "SCM.0707")
    assert_scm_error(server.request("DELETE", f"/v3/scm/csr/{cid}", token=tok(world)), 400, "SCM.0707")
    lst = ct.expect(server.request("GET", "/v3/scm/csr?limit=50", token=tok(world)), 200)
    assert cid not in [c["id"] for c in lst["csr_list"]]


def test_delete_ignores_body(server, world, csr):
    r = server.request("DELETE", f"/v3/scm/csr/{csr['id']}", body=b"{garbage", token=tok(world))
    ct.expect(r, 204)


def test_delete_percent_encoded_id(server, world, csr):
    cid = csr["id"]
    enc = cid[:-1] + "%" + format(ord(cid[-1]), "02x")
    ct.expect(server.request("DELETE", f"/v3/scm/csr/{enc}", token=tok(world)), 204)
    assert_scm_error(server.request("GET", f"/v3/scm/csr/{cid}", token=tok(world)), 400, "SCM.0707")
