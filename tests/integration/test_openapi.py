"""GET /openapi.json: the OpenAPI 3.0 document of the whole surface (contract §8).

Checked with tools nobody here wrote (tests/openapi/check.js: @apidevtools/swagger-parser and Ajv
from npm, pinned by tests/openapi/package-lock.json; `scripts/install-node-deps.sh` installs them):
the served bytes are the repository file, the document is valid OpenAPI 3.0 with every example
valid against its schema, and what csrd really answers — successes and errors of both shapes, with
their headers — matches the document.
"""
import json
import os
import secrets

import aksk
import csrdtest as ct

HERE = os.path.dirname(os.path.abspath(__file__))
DOC = ct.OPENAPI_DOC


def repo_doc():
    with open(DOC, "rb") as f:
        return f.read()


def served(server, **kw):
    r = server.request("GET", "/openapi.json", **kw)
    assert r.status == 200, f"GET /openapi.json: {r!r}"
    return r


def test_served_byte_for_byte_without_authentication(server):
    r = served(server)
    assert r.body == repo_doc(), "GET /openapi.json differs from api/openapi.json (rebuild csrd?)"
    assert r.headers.get("Content-Type") == "application/json"
    assert ct.REQUEST_ID.match(r.headers.get("X-Request-Id", ""))
    # No authentication: credentials, good or bad, change nothing.
    assert served(server, token="x" * 40).body == r.body
    assert served(server, headers={"Authorization": "SDK-HMAC-SHA256 Access=A, Signature=b"}).body == r.body
    doc = json.loads(r.body)
    assert doc["openapi"] == "3.0.3"


def test_document_is_valid_openapi_with_valid_examples(server, openapi_check, tmp_path):
    path = tmp_path / "served.json"
    path.write_bytes(served(server).body)
    rc, verdict = openapi_check("doc", str(path))
    assert rc == 0 and verdict["ok"], "\n".join(verdict["errors"])
    assert verdict["checked"] >= 50, f"only {verdict['checked']} examples checked"


def test_checker_rejects_a_broken_document(openapi_check, tmp_path):
    """The validator really validates: a document with a structural error and one with an example
    that breaks its schema are both refused."""
    doc = json.loads(repo_doc())
    del doc["paths"]["/v3/scm/csr"]["post"]["responses"]
    path = tmp_path / "no-responses.json"
    path.write_text(json.dumps(doc))
    rc, verdict = openapi_check("doc", str(path))
    assert rc == 1 and any("swagger-parser" in e for e in verdict["errors"]), verdict

    doc = json.loads(repo_doc())
    doc["components"]["schemas"]["Csr"]["example"]["id"] = "not-a-csr-id"
    path = tmp_path / "bad-example.json"
    path.write_text(json.dumps(doc))
    rc, verdict = openapi_check("doc", str(path))
    assert rc == 1 and any("example" in e and "/id" in e for e in verdict["errors"]), verdict


def test_real_responses_match_the_document(server, world, ossl, openapi_check, tmp_path):
    rec = ct.OpenApiRecorder()
    alice = world.acme_full
    tok = alice.token
    # A user of its own for the wrong password and the keys (lockout counts, at most 2 keys).
    kim = world.new_user(world.acme, [ct.ROLE_FULL], "kim")

    # -- the seven CSR routes, successes
    created = rec.add("/v3/scm/csr", ct.create(server, tok, sans="example.com;api.example.com"), 201).json
    rec.add("/v3/scm/csr", ct.create(server, tok, private_key_algo="RSA_2048", **ct.ENTERPRISE), 201)
    csr_id = created["id"]
    item = f"/v3/scm/csr/{csr_id}"
    rec.add("/v3/scm/csr", server.request("GET", "/v3/scm/csr?limit=10&offset=0", token=tok), 200)
    rec.add("/v3/scm/csr", server.request("GET", "/v3/scm/csr?private_key_algo=EC_P256&name=it-",
                                          token=tok), 200)
    rec.add("/v3/scm/csr/{id}", server.request("GET", item, token=tok), 200)
    rec.add("/v3/scm/csr/{id}", server.request("PUT", item, js={"name": "renamed"}, token=tok), 200)
    rec.add("/v3/scm/csr/{id}/private-key", server.request("GET", item + "/private-key", token=tok), 200)
    key = ossl.genkey("EC_P256")
    csr = ossl.make_csr(key, "/C=DE/O=Example GmbH/CN=up.example.com", sans="DNS:up.example.com,DNS:b.example.com")
    rec.add("/v3/scm/csr/upload", server.request("POST", "/v3/scm/csr/upload", token=tok,
                                                 js={"name": "up", "csr": csr, "private_key": key}), 200)
    bare = rec.add("/v3/scm/csr/upload", server.request("POST", "/v3/scm/csr/upload", token=tok,
                                                        js={"name": "bare", "csr": csr}), 200).json

    # -- SCM errors: 400 of every kind, 401, 403, 413
    rec.add("/v3/scm/csr", ct.create(server, tok, usage="personal"), 400)
    rec.add("/v3/scm/csr", server.request("GET", "/v3/scm/csr?limit=5", token=tok), 400)
    rec.add("/v3/scm/csr/{id}", server.request("GET", "/v3/scm/csr/" + secrets.token_hex(16), token=tok), 400)
    rec.add("/v3/scm/csr/{id}", server.request("GET", "/v3/scm/csr/short", token=tok), 400)
    rec.add("/v3/scm/csr/{id}/private-key",
            server.request("GET", f"/v3/scm/csr/{bare['id']}/private-key", token=tok), 400)
    rec.add("/v3/scm/csr/upload", server.request("POST", "/v3/scm/csr/upload", token=tok,
                                                 js={"name": "x", "csr": csr, "private_key": "junk"}), 400)
    rec.add("/v3/scm/csr", server.request("GET", "/v3/scm/csr"), 401)
    rec.add("/v3/scm/csr", ct.create(server, world.acme_ro.token), 403)
    rec.add("/v3/scm/csr/{id}", server.request("GET", item, token=tok,
                                               headers={"X-Domain-Id": world.globex}), 403)
    r, _ = ct.raw_exchange(server.port, (
        f"POST /v3/scm/csr HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {tok}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {ct.MAX_BODY + 1}\r\n\r\n").encode())
    assert r is not None and r.status == 413, r
    r.method = "POST"
    rec.add("/v3/scm/csr", r, 413)
    rec.add("/v3/scm/csr/{id}", server.request("DELETE", item, token=tok), 204)

    # -- tokens (Keystone shape)
    rec.add("/v3/auth/tokens", server.login(alice.account, alice.user, alice.password), 201)
    rec.add("/v3/auth/tokens", server.login(kim.account, kim.user, "wrong-" + kim.password), 401)
    rec.add("/v3/auth/tokens", server.request("POST", "/v3/auth/tokens", js={"auth": {}}), 400)
    rec.add("/v3/auth/tokens", server.request("GET", "/v3/auth/tokens", token=tok,
                                              headers={"X-Subject-Token": tok}), 200)
    rec.add("/v3/auth/tokens", server.request("GET", "/v3/auth/tokens", token=tok,
                                              headers={"X-Subject-Token": "csrd_" + "A" * 43}), 404)
    rec.add("/v3/auth/tokens", server.request("GET", "/v3/auth/tokens", token=tok), 400)
    spare = server.token(alice.account, alice.user, alice.password)
    rec.add("/v3/auth/tokens", server.request("DELETE", "/v3/auth/tokens", token=tok,
                                              headers={"X-Subject-Token": spare}), 204)
    rec.add("/v3/auth/tokens", server.request("DELETE", "/v3/auth/tokens", token="csrd_" + "B" * 43,
                                              headers={"X-Subject-Token": spare}), 401)
    r, _ = ct.raw_exchange(server.port, (
        "POST /v3/auth/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {ct.MAX_BODY + 1}\r\n\r\n").encode())
    assert r is not None and r.status == 413, r
    r.method = "POST"
    rec.add("/v3/auth/tokens", r, 413)

    # -- permanent and temporary keys
    creds = "/v3.0/OS-CREDENTIAL/credentials"
    made = rec.add(creds, server.request("POST", creds, token=kim.token,
                                         js={"credential": {"user_id": kim.user_id, "description": "ci"}}),
                   201).json["credential"]
    ak, sk = made["access"], made["secret"]
    one = creds + "/{access}"
    rec.add(creds, server.request("GET", creds, token=kim.token), 200)
    rec.add(creds, server.request("GET", f"{creds}?user_id={alice.user_id}", token=kim.token), 403)
    rec.add(creds, server.request("GET", f"{creds}?user_id={secrets.token_hex(16)}", token=kim.token), 404)
    rec.add(creds, server.request("POST", creds, token=kim.token, js={"credential": {}}), 400)
    rec.add(one, server.request("GET", f"{creds}/{ak}", token=kim.token), 200)
    rec.add(one, aksk.signed_request(server, ak, sk, "GET", f"{creds}/{ak}"), 200)
    rec.add(one, server.request("PUT", f"{creds}/{ak}", token=kim.token,
                                js={"credential": {"description": "ci key"}}), 200)
    rec.add(one, server.request("GET", f"{creds}/ABCDEFGHIJKLMNOPQRST", token=kim.token), 404)
    rec.add(one, server.request("GET", f"{creds}/bad-key!", token=kim.token), 400)
    sts = "/v3.0/OS-CREDENTIAL/securitytokens"
    temp_body = {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 900}}}}
    rec.add(sts, server.request("POST", sts, token=kim.token, js=temp_body), 201)
    rec.add(sts, aksk.signed_request(server, ak, sk, "POST", sts, js=temp_body), 201)
    rec.add(sts, server.request("POST", sts, token=kim.token,
                                js={"auth": {"identity": {"methods": ["token"],
                                                          "token": {"duration_seconds": 60}}}}), 400)
    rec.add(sts, server.request("POST", sts, js=temp_body), 401)

    # -- AK/SK on an SCM route, good and bad
    rec.add("/v3/scm/csr", aksk.signed_request(server, ak, sk, "GET", "/v3/scm/csr?limit=10"), 200)
    rec.add("/v3/scm/csr", aksk.signed_request(server, ak, "x" * 40, "GET", "/v3/scm/csr"), 401)
    rec.add(one, server.request("DELETE", f"{creds}/{ak}", token=kim.token), 204)

    # -- discovery
    rec.add("/v3/auth/domains", server.request("GET", "/v3/auth/domains", token=tok), 200)
    rec.add("/v3/auth/domains", server.request("GET", "/v3/auth/domains"), 401)
    rec.add("/v3/projects", server.request("GET", "/v3/projects?name=cn-north-4", token=tok), 200)
    rec.add("/v3/projects", server.request("GET", "/v3/projects", token=tok), 200)
    rec.add("/v3/projects", server.request("GET", "/v3/projects?name=bad%20name", token=tok), 400)
    rec.add("/v3/auth/catalog", server.request("GET", "/v3/auth/catalog", token=tok), 200)

    # -- operations and the audit trail
    rec.add("/health", server.request("GET", "/health"), 200)
    rec.add("/ready", server.request("GET", "/ready"), 200)
    rec.add("/openapi.json", server.request("GET", "/openapi.json"), 200)
    rec.add("/v3/scm/audit-events", server.request("GET", "/v3/scm/audit-events?limit=5", token=tok), 200)
    rec.add("/metrics", server.request("GET", "/metrics"), 200)

    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps(rec.cases, ensure_ascii=False))
    rc, verdict = openapi_check("responses", DOC, str(cases))
    assert rc == 0 and verdict["ok"], "responses that break the document:\n" + "\n".join(verdict["errors"])
    assert verdict["checked"] == len(rec.cases)


def test_checker_rejects_responses_that_break_the_document(server, world, openapi_check, tmp_path):
    """The response check really checks: a body with a wrong field, an undocumented status and a
    missing X-Request-Id are each refused."""
    r = ct.create(server, world.acme_full.token)
    assert r.status == 201, r
    good = ct.openapi_case("/v3/scm/csr", r)
    bad_body = dict(good, body=json.dumps(dict(r.json, private_key_algo="RSA_1024")))
    bad_status = dict(good, status=202)
    no_rid = dict(good, headers={k: v for k, v in good["headers"].items() if k != "x-request-id"})
    for case, needle in ((good, None), (bad_body, "private_key_algo"), (bad_status, "not documented"),
                         (no_rid, "X-Request-Id")):
        path = tmp_path / "case.json"
        path.write_text(json.dumps([case]))
        rc, verdict = openapi_check("responses", DOC, str(path))
        if needle is None:
            assert rc == 0 and verdict["ok"], verdict
        else:
            assert rc == 1 and any(needle in e for e in verdict["errors"]), (needle, verdict)
