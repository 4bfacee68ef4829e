"""JSON rules, size limits, error shapes and common headers (contract §4 JSON/size rows, §6)."""
import http.client
import json

import pytest

import csrdtest as ct
from csrdtest import assert_keystone_error, assert_scm_error


def valid_json(**extra):
    b = ct.csr_body()
    b.update(extra)
    return json.dumps(b)


def raw_create(server, world, body, headers=None):
    return server.request("POST", "/v3/scm/csr", body=body, token=world.acme_full.token, headers=headers)


def nested(depth):
    """An object whose total container nesting is `depth` (the top-level object counts as 1)."""
    inner = "[" * (depth - 1) + "]" * (depth - 1)
    return valid_json(deep="@@")[:-1].replace('"deep": "@@"', '"deep": ' + inner) + "}"


# ------------------------------------------------------------------ JSON (§4 row "JSON")

BAD_JSON = {
    "array": b"[]",
    "string": b'"name"',
    "number": b"1",
    "null": b"null",
    "true": b"true",
    "empty": b"",
    "whitespace": b"   ",
    "truncated": b'{"name": "x"',
    "trailing-garbage": valid_json().encode() + b"x",
    "two-objects": valid_json().encode() + valid_json().encode(),
    "single-quotes": b"{'name': 'x'}",
    "trailing-comma": valid_json()[:-1].encode() + b",}",
    "duplicate-name": valid_json()[:-1].encode() + b', "name": "again"}',
    "duplicate-same-value": b'{"name":"d","name":"d","domain_name":"a.example.com","private_key_algo":"EC_P256",'
                            b'"usage":"PERSONAL"}',
    "duplicate-via-escape": valid_json()[:-1].encode() + b', "na\\u006de": "again"}',
    "duplicate-in-unknown": valid_json()[:-1].encode() + b', "x": {"a": 1, "a": 2}}',
    "depth-33": nested(33).encode(),
    "depth-200": nested(200).encode(),
    "utf8-ff": valid_json(name="@@").replace("@@", "\udcff").encode("utf-8", "surrogateescape"),
    "utf8-overlong": valid_json(name="@@").encode().replace(b"@@", b"\xc0\xaf"),
    "utf8-truncated": valid_json(name="@@").encode().replace(b"@@", b"\xe6\x97"),
    "utf8-surrogate": valid_json(name="@@").encode().replace(b"@@", b"\xed\xa0\x80"),
    "utf8-in-unknown-field": valid_json(other="@@").encode().replace(b"@@", b"\xfe"),
    "name-float": valid_json()[:-1].encode().replace(b'"name": "', b'"nameX": "') + b', "name": 1.0}',
    "name-nan": b'{"name":NaN,"domain_name":"a.example.com","private_key_algo":"EC_P256","usage":"PERSONAL"}',
    "comment": b'{/*c*/"name":"x","domain_name":"a.example.com","private_key_algo":"EC_P256","usage":"PERSONAL"}',
    "bad-escape": valid_json(name="@@").encode().replace(b"@@", b"\\x41"),
    "raw-control-char": valid_json(name="@@").encode().replace(b"@@", b"a\x01b"),
}


@pytest.mark.parametrize("case", list(BAD_JSON))
def test_bad_json_is_0005(server, world, case):
    assert_scm_error(raw_create(server, world, BAD_JSON[case]), 400, "SCM.0005")


GOOD_JSON = {
    "depth-32": nested(32).encode(),
    "go-trailing-newline": valid_json().encode() + b"\n",
    "surrounding-whitespace": b" \r\n\t" + valid_json().encode() + b" \n",
    "escaped-key": valid_json()[:-1].encode().replace(b'"name"', b'"na\\u006de"') + b"}",
    "python-separators": json.dumps(ct.csr_body(), separators=(", ", ": ")).encode(),
    "unknown-huge-exponent": valid_json()[:-1].encode() + b', "x": 1e400}',
    "unknown-bignum": valid_json()[:-1].encode() + b', "x": 123456789012345678901234567890}',
    "unknown-empty-key": valid_json()[:-1].encode() + b', "": [{}, [], null, false]}',
    "unicode-escapes-in-values": valid_json(name="@@").encode().replace(b"@@", b"\\u00e9\\ud83d\\ude00"),
}


@pytest.mark.parametrize("case", list(GOOD_JSON))
def test_good_json_is_accepted(server, world, case):
    r = raw_create(server, world, GOOD_JSON[case])
    ct.expect(r, 201)
    if case == "unicode-escapes-in-values":
        assert r.json["name"] == "é\U0001F600"


@pytest.mark.parametrize("ctype", [None, "application/json", "application/json;charset=UTF-8",
                                   "application/json; charset=utf-8", "application/json;charset=utf8"])
def test_content_type_variants(server, world, ctype):
    r = raw_create(server, world, valid_json(), headers={"Content-Type": ctype})
    ct.expect(r, 201)


# ------------------------------------------------------------------ body size (413)


def padded_create(size):
    base = valid_json(pad="")
    fill = size - len(base.encode())
    assert fill > 0
    body = base.replace('"pad": ""', '"pad": "' + "a" * fill + '"').encode()
    assert len(body) == size
    return body


def test_body_at_limit_is_accepted(server, world):
    r = raw_create(server, world, padded_create(ct.MAX_BODY))
    ct.expect(r, 201)


def test_body_over_limit_is_413(server, world):
    r = raw_create(server, world, padded_create(ct.MAX_BODY + 1))
    assert_scm_error(r, 413, "APIGW.0201")
    ct.expect(server.request("GET", "/health"), 200)


def test_chunked_body_over_limit_is_413(server, world):
    body = padded_create(ct.MAX_BODY + 1)
    head = (f"POST /v3/scm/csr HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {world.acme_full.token}\r\n"
            f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunks = []
    step = 1 << 20
    for i in range(0, len(body), step):
        part = body[i:i + step]
        chunks.append(f"{len(part):x}\r\n".encode() + part + b"\r\n")
    chunks.append(b"0\r\n\r\n")
    r, _ = ct.raw_exchange(server.port, head, chunks)
    assert r is not None, "no response to an oversized chunked body"
    assert_scm_error(r, 413, "APIGW.0201")


def test_declared_length_over_limit_is_413_without_the_body(server, world):
    """A Content-Length over the limit is refused from the head; the server does not wait for 1 GB."""
    head = (f"POST /v3/scm/csr HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {world.acme_full.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n").encode()
    r, _ = ct.raw_exchange(server.port, head, timeout=15)
    assert r is not None, "no answer to a declared 1 GB body"
    assert_scm_error(r, 413, "APIGW.0201")


def test_body_over_limit_on_identity_route_is_keystone_413(server):
    body = b'{"auth": "' + b"a" * ct.MAX_BODY + b'"}'
    r, _ = ct.raw_exchange(server.port, (f"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                         f"application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode(), [body])
    assert r is not None
    assert_keystone_error(r, 413)


# ------------------------------------------------------------------ head size (431)


def head_of(total, path="/v3/scm/csr"):
    start = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ".encode()
    end = b"\r\n\r\n"
    pad = total - len(start) - len(end)
    return start + b"p" * pad + end


def test_head_just_under_limit_is_served(server):
    r, _ = ct.raw_exchange(server.port, head_of(ct.MAX_HEAD - 256))
    assert r is not None, "no response to a head under the limit"
    assert_scm_error(r, 401, "APIGW.0301")  # answered normally: no credentials


@pytest.mark.parametrize("path,keystone", [("/v3/scm/csr", False), ("/v3/auth/tokens", True)])
def test_head_over_limit_is_431_and_closes(server, path, keystone):
    r, closed = ct.raw_exchange(server.port, head_of(ct.MAX_HEAD + 256, path), check_close=True)
    assert r is not None, f"no 431 answer: {closed}"
    if keystone:
        assert_keystone_error(r, 431)
    else:
        assert_scm_error(r, 431, "APIGW.0201")
    assert closed, "the connection must close after a 431 (§4)"
    ct.expect(server.request("GET", "/health"), 200)


def test_head_way_over_limit(server):
    r, closed = ct.raw_exchange(server.port, head_of(8 * 1024 * 1024), check_close=True)
    assert r is not None, "no answer to an 8 MiB head"
    assert_scm_error(r, 431, "APIGW.0201")
    ct.expect(server.request("GET", "/health"), 200)


# ------------------------------------------------------------------ error shapes by path (§6)


@pytest.mark.parametrize("method,path", [("GET", "/nope"), ("GET", "/v3/scm/nope"), ("POST", "/v3/scm"),
                                         ("GET", "/v3/scm/csrx"), ("GET", "/v3/scm/csr/upload/x/y"),
                                         ("GET", "/healthz")])
def test_unknown_scm_side_route_is_scm_404(server, method, path):
    assert_scm_error(server.request(method, path), 404, "APIGW.0101")


@pytest.mark.parametrize("method,path", [("GET", "/v3/auth/nope"), ("PUT", "/v3/auth/tokens"),
                                         ("PATCH", "/v3/auth/tokens"), ("GET", "/v3/auth/tokens/x"),
                                         ("GET", "/v3.0/OS-CREDENTIAL/nope")])
def test_unknown_identity_route_is_keystone_404(server, method, path):
    assert_keystone_error(server.request(method, path), 404)


def test_identity_errors_are_keystone(server):
    assert_keystone_error(server.request("GET", "/v3/auth/tokens"), 401)
    assert_keystone_error(server.request("POST", "/v3/auth/tokens", body=b"nope"), 400)


# ------------------------------------------------------------------ common headers


def test_every_response_has_a_request_id(server, world):
    tok = world.acme_full.token
    c = ct.create_ok(server, tok)
    samples = [
        server.request("GET", "/health"),
        ct.create(server, tok),
        server.request("GET", "/v3/scm/csr", token=tok),
        server.request("GET", f"/v3/scm/csr/{c['id']}", token=tok),
        server.request("PUT", f"/v3/scm/csr/{c['id']}", js={"name": "r"}, token=tok),
        server.request("GET", f"/v3/scm/csr/{c['id']}/private-key", token=tok),
        server.request("DELETE", f"/v3/scm/csr/{c['id']}", token=tok),
        server.request("GET", f"/v3/scm/csr/{c['id']}", token=tok),
        server.request("GET", "/v3/scm/csr"),
        server.request("GET", "/v3/scm/csr", token=world.acme_sec.token),
        server.request("GET", "/v3/scm/nope"),
        server.login(world.acme, world.acme_full.user, world.acme_full.password),
        server.login(world.acme, world.acme_full.user, "wrong-but-only-once"),
        server.request("GET", "/v3/auth/tokens", headers={"X-Auth-Token": tok, "X-Subject-Token": tok}),
        server.request("GET", "/v3/auth/nope"),
    ]
    want = [200, 201, 200, 200, 200, 200, 204, 400, 401, 403, 404, 201, 401, 200, 404]
    assert [r.status for r in samples] == want, [repr(r) for r in samples]
    ids = []
    for r in samples:
        rid = r.headers.get("X-Request-Id")
        assert rid and ct.REQUEST_ID.match(rid), f"X-Request-Id {rid!r} on {r!r}"
        ids.append(rid)
    assert len(set(ids)) == len(ids), "request ids must differ per request"


def test_json_content_type_everywhere(server, world):
    tok = world.acme_full.token
    c = ct.create_ok(server, tok)
    for r in [ct.create(server, tok), server.request("GET", "/v3/scm/csr", token=tok),
              server.request("GET", f"/v3/scm/csr/{c['id']}", token=tok),
              server.request("PUT", f"/v3/scm/csr/{c['id']}", js={"name": "r"}, token=tok),
              server.request("GET", f"/v3/scm/csr/{c['id']}/private-key", token=tok),
              server.login(world.acme, world.acme_full.user, world.acme_full.password),
              server.request("GET", "/v3/auth/tokens", headers={"X-Auth-Token": tok, "X-Subject-Token": tok}),
              server.request("GET", "/v3/scm/csr", token="x" * 40)]:
        assert r.headers.get("Content-Type") == ct.JSON_CT, f"Content-Type {r.headers.get('Content-Type')!r}: {r!r}"


def test_keep_alive_connection_serves_several_requests(server, world):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        for _ in range(3):
            conn.request("GET", "/v3/scm/csr", headers={"X-Auth-Token": world.acme_full.token})
            r = conn.getresponse()
            r.read()
            assert r.status == 200
        conn.request("GET", "/v3/scm/csr/" + "0" * 32, headers={"X-Auth-Token": world.acme_full.token})
        r = conn.getresponse()
        r.read()
        assert r.status == 400
        conn.request("GET", "/v3/scm/csr")
        r = conn.getresponse()
        r.read()
        assert r.status == 401
    finally:
        conn.close()


def test_health_needs_no_auth_and_leaks_nothing(server, world):
    r = server.request("GET", "/health")
    ct.expect(r, 200)
    text = r.body.decode("utf-8", "replace")
    for secret in (world.acme, world.acme_full.user, world.acme_full.account_id, world.acme_full.token):
        assert secret not in text


@pytest.mark.parametrize("path", ["/ready"])
def test_other_ops_routes_need_no_auth_and_leak_nothing(server, world, path):
    r = server.request("GET", path)
    ct.expect(r, 200)
    text = r.body.decode("utf-8", "replace")
    for secret in (world.acme, world.acme_full.user, world.acme_full.account_id, world.acme_full.token):
        assert secret not in text, f"{path} shows {secret!r} (§1: no account, user, AK or CSR)"
