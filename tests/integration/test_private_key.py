"""ShowCsrPrivateKey: contract §1, §3 extras, §5 key format, §8 export counting."""
import re
import time

import pytest

import csrdtest as ct

CURVE_OID = {"EC_P256": ct.OID_P256, "EC_P384": ct.OID_P384, "SM2": ct.OID_SM2}


def export(server, token, cid):
    return server.request("GET", f"/v3/scm/csr/{cid}/private-key", token=token)


def check_pem_shape(pem):
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n"), f"not PKCS#8 PEM: {pem[:40]!r} (§5)"
    assert pem.endswith("-----END PRIVATE KEY-----\n"), f"PEM must end with the END line and a final LF: {pem[-40:]!r}"
    assert "\r" not in pem, "PEM must use LF line ends (§5)"
    assert "ENCRYPTED" not in pem and "Proc-Type" not in pem


@pytest.mark.parametrize("algo", ct.ALGOS)
def test_export_matches_csr(algo, six_csrs, server, world, ossl):
    body, cr, _, _ = six_csrs[algo]
    obj = ct.expect(cr, 201)
    r = export(server, world.acme_full.token, obj["id"])
    j = ct.expect(r, 200)
    assert r.headers.get("Cache-Control") == "no-store", f"Cache-Control {r.headers.get('Cache-Control')!r} (§5)"
    assert r.headers.get("Content-Type") == ct.JSON_CT
    assert isinstance(j, dict) and isinstance(j.get("private_key"), str), f"bad body {r!r}"
    pem = j["private_key"]
    check_pem_shape(pem)
    assert ossl.key_pubkey(pem) == ossl.csr_pubkey(obj["csr"]), \
        f"{algo}: exported key's public key differs from the CSR's public key"
    info = ct.pkcs8_info(pem)
    if algo.startswith("RSA"):
        assert info["alg"] == ct.OID_RSA
        bits = int(re.search(r"Private-Key: \((\d+) bit", ossl.key_text(pem)).group(1))
        assert bits == int(algo.split("_")[1])
    else:
        assert info["alg"] == ct.OID_EC, f"{algo}: PKCS#8 algorithm must be id-ecPublicKey (§5)"
        assert info["param"] == CURVE_OID[algo], f"{algo}: PKCS#8 must carry the named-curve OID (§5)"
        assert 0xA1 in info["inner_tags"], f"{algo}: the ECPrivateKey must include the public key [1] (§5)"


def test_export_is_stable_and_counted(server, world, ossl):
    tok = world.acme_full.token
    c = ct.create_ok(server, tok, private_key_algo="EC_P384")
    time.sleep(0.005)
    t0 = ct.now_ms()
    k1 = ct.expect(export(server, tok, c["id"]), 200)["private_key"]
    t1 = ct.now_ms()
    k2 = ct.expect(export(server, tok, c["id"]), 200)["private_key"]
    assert k1 == k2, "the same CSR must export the same key"
    shown = ct.expect(server.request("GET", f"/v3/scm/csr/{c['id']}", token=tok), 200)
    assert shown.get("export_count") == 2, f"export_count after two exports: {shown.get('export_count')!r} (§3, §8)"
    let = shown.get("last_export_time")
    assert type(let) is int and t0 - 1000 <= let, f"last_export_time {let!r} (§3)"
    assert shown["update_time"] == c["update_time"], "an export must not move update_time (§3)"
    assert t1 >= t0


def test_export_other_key_differs(server, world):
    tok = world.acme_full.token
    a = ct.create_ok(server, tok)
    b = ct.create_ok(server, tok)
    ka = ct.expect(export(server, tok, a["id"]), 200)["private_key"]
    kb = ct.expect(export(server, tok, b["id"]), 200)["private_key"]
    assert ka != kb, "two CSRs must not share a key"


def test_export_ignores_query_and_body(server, world):
    tok = world.acme_full.token
    a = ct.create_ok(server, tok)
    r = server.request("GET", f"/v3/scm/csr/{a['id']}/private-key?format=der&password=x", body=b"{junk",
                       token=tok)
    check_pem_shape(ct.expect(r, 200)["private_key"])


def test_error_response_on_key_route_has_no_key(server, world):
    r = export(server, world.acme_full.token, "0" * 32)
    ct.assert_scm_error(r, 400, "SCM.0707")
    assert b"PRIVATE" not in r.body
