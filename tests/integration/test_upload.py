"""UploadCsr: contract §1, §4 (upload rows and "Upload derives"), §5 (key conversion), §6."""
import pytest

import csrdtest as ct
from csrdtest import assert_scm_error


class Mat:
    pass


@pytest.fixture(scope="module")
def m(ossl):
    """Keys and CSRs made by openssl."""
    x = Mat()
    x.rsa8 = ossl.genkey("RSA_2048", "pkcs8")
    x.rsa1 = ossl.genkey("RSA_2048", "pkcs1")
    x.rsa3072 = ossl.genkey("RSA_3072", "pkcs8")
    x.other_rsa = ossl.genkey("RSA_2048", "pkcs8")
    x.p256_sec1 = ossl.genkey("EC_P256", "sec1")
    x.p384 = ossl.genkey("EC_P384", "pkcs8")
    x.sm2 = ossl.genkey("SM2", "pkcs8")
    x.sm2_b = ossl.genkey("SM2", "pkcs8")
    # openssl labels an SM2 SEC1 key "SM2 PRIVATE KEY"; RFC 5915's label is "EC PRIVATE KEY".
    x.sm2_sec1 = ossl.run("ec", "-in", ossl.write(x.sm2_b))[0].replace("SM2 PRIVATE KEY", "EC PRIVATE KEY")
    x.enc8 = ossl.genkey("RSA_2048", "encrypted")
    x.enc1 = ossl.genkey("RSA_2048", "encrypted-traditional")
    assert x.rsa1.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert x.p256_sec1.startswith("-----BEGIN EC PRIVATE KEY-----")
    assert x.sm2_sec1.startswith("-----BEGIN EC PRIVATE KEY-----")
    assert x.enc8.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert "ENCRYPTED" in x.enc1

    x.ent_csr = ossl.make_csr(
        x.rsa8, "/C=DE/ST=Berlin/L=Mitte/O=Acme GmbH/CN=up.example.com",
        "DNS:up.example.com,DNS:www.up.example.com,IP:10.0.0.1,email:ops@example.com,DNS:api.up.example.com")
    x.pkcs1_csr = ossl.make_csr(x.rsa1, "/CN=Pkcs1.Example.com")
    x.nocn_csr = ossl.make_csr(x.p256_sec1, "/O=Only Org", "DNS:first.example.com,DNS:second.example.com")
    x.p384_csr = ossl.make_csr(x.p384, "/C=JP/CN=p384.example.com", md="sha384")
    x.sm2_csr = ossl.make_csr(x.sm2, "/C=CN/ST=广东省/L=深圳市/O=示例有限公司/CN=sm2up.example.cn",
                              "DNS:sm2up.example.cn", sm2=True)
    x.sm2_sec1_csr = ossl.make_csr(x.sm2_b, "/CN=sm2sec1.example.cn", sm2=True)
    x.sm2_nodist = ossl.make_csr(x.sm2, "/CN=nodist.example.cn", sm2=True, distid=False)
    x.rsa3072_csr = ossl.make_csr(x.rsa3072, "/CN=*.wild.example.com")
    many = ",".join(f"DNS:host{i:02d}.many.example.com" for i in range(20))
    x.many_sans = ";".join(f"host{i:02d}.many.example.com" for i in range(20))
    assert len(x.many_sans) > 255
    x.many_csr = ossl.make_csr(x.p384, "/CN=many.example.com", many)
    x.ent_der = ct.pem_to_der(x.ent_csr)
    x.sha512_csr = ossl.make_csr(x.other_rsa, "/CN=sha512.example.com", "DNS:alt1.example.com,IP:10.9.9.9",
                                 md="sha512")
    return x


def upload(server, token, name, csr, key=ct.DROP, **extra):
    body = {"name": name, "csr": csr}
    if key is not ct.DROP:
        body["private_key"] = key
    body.update(extra)
    return server.request("POST", "/v3/scm/csr/upload", js=body, token=token)


def upload_ok(server, world, name, csr, key=ct.DROP):
    t0 = ct.now_ms()
    r = upload(server, world.acme_full.token, name, csr, key)
    t1 = ct.now_ms()
    j = ct.expect(r, 200)
    assert r.headers.get("Content-Type") == ct.JSON_CT
    assert isinstance(j, dict) and {"id", "name", "create_time"} <= set(j), f"upload answers id,name,create_time: {r!r}"
    assert ct.HEX32.match(j["id"]), f"id {j['id']!r}"
    assert j["name"] == name
    assert type(j["create_time"]) is int and t0 - 1000 <= j["create_time"] <= t1 + 1000, j["create_time"]
    shown = ct.expect(server.request("GET", f"/v3/scm/csr/{j['id']}", token=world.acme_full.token), 200)
    ct.assert_csr_object(shown)
    assert shown["create_time"] == j["create_time"] and shown["name"] == name
    return shown


def export(server, world, cid):
    return server.request("GET", f"/v3/scm/csr/{cid}/private-key", token=world.acme_full.token)


def check_exported(server, world, ossl, cid, csr_pem):
    j = ct.expect(export(server, world, cid), 200)
    pem = j["private_key"]
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n") and pem.endswith("-----END PRIVATE KEY-----\n"), \
        f"uploaded keys are exported as PKCS#8 (§5): {pem[:40]!r}"
    assert ossl.key_pubkey(pem) == ossl.csr_pubkey(csr_pem)
    return pem


def derived(shown):
    return {k: shown[k] for k in ("domain_name", "sans", "private_key_algo", "usage", "company_country",
                                  "company_province", "company_city", "company_name")}


def test_upload_enterprise_pkcs8(server, world, ossl, m):
    shown = upload_ok(server, world, "uploaded enterprise", m.ent_csr, m.rsa8)
    assert derived(shown) == dict(domain_name="up.example.com",
                                  sans="up.example.com;www.up.example.com;api.up.example.com",
                                  private_key_algo="RSA_2048", usage="ENTERPRISE", company_country="DE",
                                  company_province="Berlin", company_city="Mitte", company_name="Acme GmbH"), \
        "derived fields per §4 'Upload derives' (IP and e-mail SANs stay out of sans)"
    assert ct.pem_to_der(shown["csr"]) == m.ent_der, "the stored CSR must be the uploaded one"
    assert shown["update_time"] == shown["create_time"]
    check_exported(server, world, ossl, shown["id"], m.ent_csr)


def test_upload_pkcs1_key_converted(server, world, ossl, m):
    shown = upload_ok(server, world, "pkcs1", m.pkcs1_csr, m.rsa1)
    assert derived(shown) == dict(domain_name="Pkcs1.Example.com", sans="", private_key_algo="RSA_2048",
                                  usage="PERSONAL", company_country="", company_province="", company_city="",
                                  company_name="")
    check_exported(server, world, ossl, shown["id"], m.pkcs1_csr)


def test_upload_sec1_key_no_cn(server, world, ossl, m):
    shown = upload_ok(server, world, "sec1 no cn", m.nocn_csr, m.p256_sec1)
    assert derived(shown) == dict(domain_name="first.example.com", sans="first.example.com;second.example.com",
                                  private_key_algo="EC_P256", usage="ENTERPRISE", company_country="",
                                  company_province="", company_city="", company_name="Only Org")
    pem = check_exported(server, world, ossl, shown["id"], m.nocn_csr)
    info = ct.pkcs8_info(pem)
    assert info["alg"] == ct.OID_EC and info["param"] == ct.OID_P256


def test_upload_p384_country_without_o(server, world, ossl, m):
    shown = upload_ok(server, world, "p384", m.p384_csr, m.p384)
    assert derived(shown) == dict(domain_name="p384.example.com", sans="", private_key_algo="EC_P384",
                                  usage="PERSONAL", company_country="JP", company_province="", company_city="",
                                  company_name="")
    check_exported(server, world, ossl, shown["id"], m.p384_csr)


def test_upload_sm2(server, world, ossl, m):
    shown = upload_ok(server, world, "上传 sm2", m.sm2_csr, m.sm2)
    assert derived(shown) == dict(domain_name="sm2up.example.cn", sans="sm2up.example.cn", private_key_algo="SM2",
                                  usage="ENTERPRISE", company_country="CN", company_province="广东省",
                                  company_city="深圳市", company_name="示例有限公司")
    pem = check_exported(server, world, ossl, shown["id"], m.sm2_csr)
    assert ct.pkcs8_info(pem)["param"] == ct.OID_SM2


def test_upload_sm2_sec1_key(server, world, ossl, m):
    shown = upload_ok(server, world, "sm2 sec1", m.sm2_sec1_csr, m.sm2_sec1)
    assert shown["private_key_algo"] == "SM2"
    pem = check_exported(server, world, ossl, shown["id"], m.sm2_sec1_csr)
    info = ct.pkcs8_info(pem)
    assert info["alg"] == ct.OID_EC and info["param"] == ct.OID_SM2 and 0xA1 in info["inner_tags"]


def test_upload_rsa3072_wildcard_cn_without_key(server, world, m):
    shown = upload_ok(server, world, "no key", m.rsa3072_csr)
    assert shown["domain_name"] == "*.wild.example.com" and shown["private_key_algo"] == "RSA_3072"
    assert_scm_error(export(server, world, shown["id"]), 400, "SCM.0010")


def test_upload_null_key_is_absent(server, world, m):
    shown = upload_ok(server, world, "null key", m.pkcs1_csr, None)
    assert_scm_error(export(server, world, shown["id"]), 400, "SCM.0010")


def test_upload_crlf_pem(server, world, ossl, m):
    """PEM with CRLF line ends is still PEM; the exported key uses LF (§5)."""
    shown = upload_ok(server, world, "crlf", m.ent_csr.replace("\n", "\r\n"), m.rsa8.replace("\n", "\r\n"))
    assert shown["domain_name"] == "up.example.com"
    pem = check_exported(server, world, ossl, shown["id"], m.ent_csr)
    assert "\r" not in pem


def test_upload_sha512_cn_outside_sans(server, world, ossl, m):
    shown = upload_ok(server, world, "sha512", m.sha512_csr, m.other_rsa)
    assert shown["domain_name"] == "sha512.example.com", "domain_name = the only CN (§4)"
    assert shown["sans"] == "alt1.example.com", "sans = the DNS SANs only (§4)"
    assert shown["usage"] == "PERSONAL"
    check_exported(server, world, ossl, shown["id"], m.sha512_csr)


def test_upload_sans_not_capped(server, world, m):
    shown = upload_ok(server, world, "many sans", m.many_csr)
    assert shown["sans"] == m.many_sans, "upload sans = every DNS SAN joined by ';', not capped (§4)"


def test_upload_same_csr_twice_gives_two_ids(server, world, m):
    a = upload_ok(server, world, "twice", m.pkcs1_csr)
    b = upload_ok(server, world, "twice", m.pkcs1_csr)
    assert a["id"] != b["id"]


@pytest.mark.parametrize("name", ["x", "n" * 63, "名" * 63])
def test_upload_name_valid(server, world, m, name):
    upload_ok(server, world, name, m.pkcs1_csr)


# ---------------------------------------------------------------- refused CSRs (SCM.0005)


def tamper(der, where):
    b = bytearray(der)
    if where == "signature":
        b[-1] ^= 0x01
    else:  # a byte of the CN value inside the signed part
        i = bytes(b).find(b"up.example.com")
        b[i] = ord("x")
    return ct.der_to_pem(bytes(b), "CERTIFICATE REQUEST")


@pytest.mark.parametrize("case", ["garbage", "empty", "bad-base64", "tampered-signature", "tampered-subject",
                                  "key-not-csr", "certificate", "sm2-without-distid", "truncated"])
def test_upload_bad_csr(server, world, ossl, m, case):
    if case == "garbage":
        csr = "hello world"
    elif case == "empty":
        csr = ""
    elif case == "bad-base64":
        csr = "-----BEGIN CERTIFICATE REQUEST-----\n!!!notbase64!!!\n-----END CERTIFICATE REQUEST-----\n"
    elif case == "tampered-signature":
        csr = tamper(m.ent_der, "signature")
    elif case == "tampered-subject":
        csr = tamper(m.ent_der, "subject")
    elif case == "key-not-csr":
        csr = m.rsa8
    elif case == "certificate":
        csr = ossl.run("req", "-x509", "-key", ossl.write(m.rsa8), "-subj", "/CN=cert.example.com",
                       "-days", "1")[0]
    elif case == "sm2-without-distid":
        csr = m.sm2_nodist
    else:
        csr = m.ent_csr[: len(m.ent_csr) // 2]
    assert_scm_error(upload(server, world.acme_full.token, "bad", csr), 400, "SCM.0005")


@pytest.mark.parametrize("case", ["two-cn", "no-cn-no-dns", "cn-not-domain", "first-dns-bad", "rsa-e3",
                                  "rsa-1024", "rsa-2050", "secp256k1", "ed25519", "cn-trailing-dot"])
def test_upload_refused_content(server, world, ossl, case):
    if case == "rsa-e3":
        key, subj, sans = ossl.genkey("RSA_2048", exponent=3), "/CN=e3.example.com", None
    elif case == "rsa-1024":
        key, subj, sans = ossl.genkey("RSA", bits=1024), "/CN=r1024.example.com", None
    elif case == "rsa-2050":
        key, subj, sans = ossl.genkey("RSA", bits=2050), "/CN=r2050.example.com", None
    elif case == "secp256k1":
        key, subj, sans = ossl.genkey("EC", curve="secp256k1"), "/CN=k1.example.com", None
    elif case == "ed25519":
        key, subj, sans = ossl.genkey("ED25519"), "/CN=ed.example.com", None
    else:
        key = ossl.genkey("EC_P256")
        subj, sans = {
            "two-cn": ("/CN=a.example.com/CN=b.example.com", None),
            "no-cn-no-dns": ("/O=Org", "IP:10.1.2.3,email:a@example.com"),
            "cn-not-domain": ("/CN=Not A Domain", None),
            "first-dns-bad": ("/O=Org", "DNS:bad_name.example.com,DNS:good.example.com"),
            "cn-trailing-dot": ("/CN=example.com.", None),
        }[case]
    csr = ossl.make_csr(key, subj, sans)
    assert_scm_error(upload(server, world.acme_full.token, "refused", csr), 400, "SCM.0005")


@pytest.mark.parametrize("body", [
    {"csr": "@csr"}, {"name": None, "csr": "@csr"}, {"name": "", "csr": "@csr"}, {"name": "n" * 64, "csr": "@csr"},
    {"name": "a\x01", "csr": "@csr"}, {"name": "x"}, {"name": "x", "csr": None}, {"name": "x", "csr": 7},
    {"name": 7, "csr": "@csr"},
], ids=["name-missing", "name-null", "name-empty", "name-64", "name-c0", "csr-missing", "csr-null",
        "csr-number", "name-number"])
def test_upload_invalid_fields(server, world, m, body):
    body = {k: (m.pkcs1_csr if v == "@csr" else v) for k, v in body.items()}
    r = server.request("POST", "/v3/scm/csr/upload", js=body, token=world.acme_full.token)
    assert_scm_error(r, 400, "SCM.0005")


# ---------------------------------------------------------------- keys: SCM.0012 / SCM.0014


@pytest.mark.parametrize("case", ["garbage", "pem-garbage", "encrypted-pkcs8", "encrypted-pkcs1", "truncated"])
def test_upload_unusable_key(server, world, m, case):
    key = {
        "garbage": "not a key at all",
        "pem-garbage": "-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n",
        "encrypted-pkcs8": m.enc8,
        "encrypted-pkcs1": m.enc1,
        "truncated": m.rsa8[: len(m.rsa8) // 2] + "\n-----END PRIVATE KEY-----\n",
    }[case]
    r = upload(server, world.acme_full.token, "k", m.ent_csr, key)
    assert_scm_error(r, 400, "SCM.0012")
    assert b"MII" not in r.body and b"PRIVATE KEY" not in r.body, "an error must not echo the key (§6)"


@pytest.mark.parametrize("case", ["other-rsa", "ec-for-rsa", "sm2-other"])
def test_upload_mismatched_key(server, world, m, case):
    csr, key = {"other-rsa": (m.ent_csr, m.other_rsa), "ec-for-rsa": (m.ent_csr, m.p384),
                "sm2-other": (m.sm2_csr, m.sm2_b)}[case]
    r = upload(server, world.acme_full.token, "k", csr, key)
    assert_scm_error(r, 400, "SCM.0014")
    assert key.splitlines()[1][:20].encode() not in r.body, "an error must not echo the key (§6)"


def test_refused_uploads_store_nothing(server, world, m):
    acct, _ = world.new_account("uprefuse")
    p = world.new_user(acct, [ct.ROLE_FULL])
    for csr, key in [("junk", ct.DROP), (m.ent_csr, "junk"), (m.ent_csr, m.other_rsa)]:
        r = upload(server, p.token, "x", csr, key)
        assert r.status == 400, r
    j = ct.expect(server.request("GET", "/v3/scm/csr", token=p.token), 200)
    assert j["total"] == 0, f"a refused upload left a CSR behind: {j}"


def test_upload_stores_only_the_request(server, world, m):
    """Text around the CSR (another PEM block, even a private key, or a NUL) is never stored:
    csrd keeps the request alone, re-encoded, so a ReadOnly reader cannot see a pasted key."""
    tok = world.acme_full.token
    sent = m.rsa8 + m.ent_csr + "\u0000trailer"
    r = upload(server, tok, "with-extras", sent)
    assert r.status == 200, r
    shown = server.request("GET", f"/v3/scm/csr/{r.json['id']}", token=world.acme_ro.token)
    assert shown.status == 200, shown
    csr = shown.json["csr"]
    assert csr.startswith("-----BEGIN CERTIFICATE REQUEST-----\n"), csr[:60]
    assert csr.endswith("-----END CERTIFICATE REQUEST-----\n")
    assert "PRIVATE KEY" not in csr and "trailer" not in csr and "\u0000" not in csr
    assert csr.count("BEGIN") == 1
