"""CreateCsr: contract §1, §3, §4 (create rows), §5."""
import json
import re
import time

import pytest

import csrdtest as ct
from csrdtest import DROP, ENTERPRISE, assert_scm_error

EXPECT_KEY = {
    "RSA_2048": dict(pubkey_alg="rsaEncryption", bits=2048, curve=None, sig_alg="sha256WithRSAEncryption"),
    "RSA_3072": dict(pubkey_alg="rsaEncryption", bits=3072, curve=None, sig_alg="sha256WithRSAEncryption"),
    "RSA_4096": dict(pubkey_alg="rsaEncryption", bits=4096, curve=None, sig_alg="sha256WithRSAEncryption"),
    "EC_P256": dict(pubkey_alg="id-ecPublicKey", bits=256, curve="prime256v1", sig_alg="ecdsa-with-SHA256"),
    "EC_P384": dict(pubkey_alg="id-ecPublicKey", bits=384, curve="secp384r1", sig_alg="ecdsa-with-SHA384"),
    "SM2": dict(pubkey_alg="id-ecPublicKey", bits=256, curve="SM2", sig_alg="SM2-with-SM3"),
}


def expected_san(domain, sans):
    """§5: domain_name first, then the sans items in order (split on ; or ,, ASCII spaces
    trimmed, empties dropped), de-duplicated case-insensitively."""
    items = [domain] + [s.strip(" ") for s in re.split(r"[;,]", sans or "")]
    out, seen = [], set()
    for it in items:
        if it and it.lower() not in seen:
            seen.add(it.lower())
            out.append("DNS:" + it)
    return out


def expected_subject(body):
    subj = [("CN", body["domain_name"])]
    if body["usage"] == "ENTERPRISE":
        subj += [("C", body["company_country"].upper()), ("ST", body["company_province"]),
                 ("L", body["company_city"]), ("O", body["company_name"])]
    return sorted(subj)


def check_csr_pem(ossl, body, pem):
    """The CSR text against §5: verifies, subject, SAN list, key, signature algorithm."""
    algo = body["private_key_algo"]
    assert pem.startswith("-----BEGIN CERTIFICATE REQUEST-----"), f"csr is not PEM: {pem[:60]!r}"
    info = ossl.csr_info(pem, sm2=(algo == "SM2"))
    assert info["verify_ok"], f"openssl req -verify did not print 'verify OK' for {algo}:\n{info['text'][:600]}"
    assert sorted(info["subject"]) == expected_subject(body), \
        f"subject {info['subject']} != expected {expected_subject(body)} (§5)"
    assert info["sans"] == expected_san(body["domain_name"], body.get("sans")), \
        f"SAN {info['sans']} != expected {expected_san(body['domain_name'], body.get('sans'))} (§5)"
    exp = EXPECT_KEY[algo]
    for k, v in exp.items():
        assert info[k] == v, f"{algo}: {k} is {info[k]!r}, expected {v!r}"
    if algo.startswith("RSA"):
        assert info["exponent"] == 65537, f"RSA exponent {info['exponent']} (§5 requires 65537)"
    return info


@pytest.mark.parametrize("algo", ct.ALGOS)
def test_create_each_algorithm(algo, six_csrs, server, world, ossl):
    body, r, t0, t1 = six_csrs[algo]
    obj = ct.expect(r, 201)
    assert r.headers.get("Content-Type") == ct.JSON_CT
    ct.assert_csr_object(obj, body)
    assert t0 - 1000 <= obj["create_time"] <= t1 + 1000, \
        f"create_time {obj['create_time']} not within the request window [{t0}, {t1}]"
    assert obj["update_time"] == obj["create_time"], "a new CSR must have update_time == create_time"
    assert obj.get("export_count") == 0, f"export_count of a new CSR: {obj.get('export_count')!r} (§3 extras)"
    assert obj.get("last_export_time") == 0, f"last_export_time of a new CSR: {obj.get('last_export_time')!r}"
    check_csr_pem(ossl, body, obj["csr"])
    shown = ct.expect(server.request("GET", f"/v3/scm/csr/{obj['id']}", token=world.acme_full.token), 200)
    for f in ct.CSR_FIELDS:
        assert shown[f] == obj[f], f"ShowCsr {f} {shown[f]!r} differs from the create answer {obj[f]!r}"


def test_six_ids_distinct(six_csrs):
    ids = [r.json["id"] for _, r, _, _ in six_csrs.values() if r.status == 201]
    assert len(ids) == 6 and len(set(ids)) == 6, f"ids: {ids}"


SANS_255_ITEMS = ";".join(f"n{i:03d}.example.com" for i in range(15)) + " "
assert len(SANS_255_ITEMS) == 255
SANS_255_SPACES = "a.example.com" + " " * 242
assert len(SANS_255_SPACES) == 255

VALID = [
    pytest.param(dict(name="x"), id="name-1-char"),
    pytest.param(dict(name="n" * 63), id="name-63-ascii"),
    pytest.param(dict(name="名" * 63), id="name-63-cjk"),
    pytest.param(dict(name="\U0001F600" * 63), id="name-63-astral"),
    pytest.param(dict(name="Cafe\u0301 \"q\" \\ / <>&'"), id="name-combining-and-json-escapes"),
    pytest.param(dict(name="  spaced  "), id="name-spaces-kept"),
    pytest.param(dict(domain_name="a"), id="domain-1-char"),
    pytest.param(dict(domain_name="a" * 63), id="domain-63-one-label"),
    pytest.param(dict(domain_name="b" * 59 + ".com"), id="domain-63-two-labels"),
    pytest.param(dict(domain_name="*.example.com"), id="domain-wildcard"),
    pytest.param(dict(domain_name="WWW.Example.COM"), id="domain-mixed-case"),
    pytest.param(dict(domain_name="xn--bcher-kva.de"), id="domain-punycode"),
    pytest.param(dict(domain_name="a-b.1x.example.com"), id="domain-hyphen-digits"),
    pytest.param(dict(sans=SANS_255_ITEMS), id="sans-255-items"),
    pytest.param(dict(sans=SANS_255_SPACES), id="sans-255-raw-with-spaces"),
    pytest.param(dict(sans=";;, ,"), id="sans-only-separators"),
    pytest.param(dict(sans=""), id="sans-empty"),
    pytest.param(dict(sans=None), id="sans-null"),
    pytest.param(dict(sans="  a.example.com , b.example.com;c.example.com  "), id="sans-spaces-trimmed"),
    pytest.param(dict(sans="*.example.com"), id="sans-wildcard"),
    pytest.param(dict(sans="s" * 59 + ".com"), id="sans-item-63"),
    pytest.param(dict(ENTERPRISE, company_country="cn"), id="country-lower"),
    pytest.param(dict(ENTERPRISE, company_country="Zz"), id="country-not-iso"),
    pytest.param(dict(ENTERPRISE, company_name="N" * 64), id="company-name-64"),
    pytest.param(dict(ENTERPRISE, company_name="公" * 64), id="company-name-64-cjk"),
    pytest.param(dict(ENTERPRISE, company_province="P" * 128), id="province-128"),
    pytest.param(dict(ENTERPRISE, company_city="C" * 128), id="city-128"),
    pytest.param(dict(company_country=None, company_name=None, company_city=None,
                      company_province=None), id="personal-company-null"),
    pytest.param(dict(company_country="fr", company_name="Ignored SA"), id="personal-some-company"),
    pytest.param(dict(unknown_field={"nested": [1, 2, {"x": None}]}, another=7), id="unknown-fields"),
]


@pytest.mark.parametrize("over", VALID)
def test_create_boundary_valid(over, server, world, ossl):
    body = ct.csr_body(**over)
    r = server.request("POST", "/v3/scm/csr", js=body, token=world.acme_full.token)
    obj = ct.expect(r, 201)
    ct.assert_csr_object(obj, body)
    full = dict((k, ("" if v is None else v)) for k, v in body.items())
    full.setdefault("sans", "")
    check_csr_pem(ossl, full, obj["csr"])


def test_create_returns_name_byte_exact_from_escapes(server, world):
    # JSON escapes (including a surrogate pair) are unescaped before storing; 63 code points.
    name_json = "\\ud83d\\ude00" * 62 + "\\u00e9"
    body = json.dumps(ct.csr_body(name="@@N@@")).replace("@@N@@", name_json)
    r = server.request("POST", "/v3/scm/csr", body=body, token=world.acme_full.token)
    obj = ct.expect(r, 201)
    assert obj["name"] == "\U0001F600" * 62 + "é"


def test_names_need_not_be_unique(server, world):
    a = ct.create_ok(server, world.acme_full.token, name="same-name")
    b = ct.create_ok(server, world.acme_full.token, name="same-name")
    assert a["id"] != b["id"]


def bad(over, id_):
    return pytest.param(over, id=id_)


INVALID = [
    # name
    bad(dict(name=DROP), "name-missing"), bad(dict(name=None), "name-null"), bad(dict(name=""), "name-empty"),
    bad(dict(name="n" * 64), "name-64-ascii"), bad(dict(name="名" * 64), "name-64-cjk"),
    bad(dict(name="\U0001F600" * 64), "name-64-astral"),
    bad(dict(name="a\tb"), "name-tab"), bad(dict(name="a\nb"), "name-newline"),
    bad(dict(name="a\x00b"), "name-nul"), bad(dict(name="a\x1fb"), "name-c0-1f"),
    bad(dict(name="a\x85b"), "name-c1-85"), bad(dict(name="a\x9fb"), "name-c1-9f"),
    bad(dict(name=5), "name-number"), bad(dict(name=True), "name-bool"), bad(dict(name=["a"]), "name-array"),
    bad(dict(name={"a": 1}), "name-object"),
    # domain_name
    bad(dict(domain_name=DROP), "domain-missing"), bad(dict(domain_name=None), "domain-null"),
    bad(dict(domain_name=""), "domain-empty"), bad(dict(domain_name="a" * 64), "domain-64"),
    bad(dict(domain_name="b" * 60 + ".com"), "domain-64-two-labels"),
    bad(dict(domain_name="example.com."), "domain-trailing-dot"),
    bad(dict(domain_name=".example.com"), "domain-leading-dot"),
    bad(dict(domain_name="a..example.com"), "domain-empty-label"),
    bad(dict(domain_name="-a.example.com"), "domain-leading-hyphen"),
    bad(dict(domain_name="a-.example.com"), "domain-trailing-hyphen"),
    bad(dict(domain_name="a_b.example.com"), "domain-underscore"),
    bad(dict(domain_name="exa mple.com"), "domain-space"),
    bad(dict(domain_name=" example.com"), "domain-leading-space"),
    bad(dict(domain_name="a.*.example.com"), "domain-wildcard-inner"),
    bad(dict(domain_name="*.*.example.com"), "domain-wildcard-twice"),
    bad(dict(domain_name="*a.example.com"), "domain-wildcard-partial"),
    bad(dict(domain_name="1.2.3.4"), "domain-ip"), bad(dict(domain_name="123"), "domain-numeric"),
    bad(dict(domain_name="123.456"), "domain-numeric-dotted"),
    bad(dict(domain_name="bücher.de"), "domain-u-label"), bad(dict(domain_name="例え.jp"), "domain-cjk"),
    bad(dict(domain_name=5), "domain-number"),
    # sans
    bad(dict(sans=SANS_255_ITEMS + " "), "sans-256-items"),
    bad(dict(sans=SANS_255_SPACES + " "), "sans-256-raw-spaces"),
    bad(dict(sans="good.example.com;bad_item.example.com"), "sans-bad-item"),
    bad(dict(sans="a.example.com,bücher.de"), "sans-u-label"),
    bad(dict(sans="a.example.com;1.2.3.4"), "sans-ip"),
    bad(dict(sans="a.*.example.com"), "sans-inner-wildcard"),
    bad(dict(sans="x" * 64), "sans-item-64"),
    bad(dict(sans="a.example.com.;b.example.com"), "sans-trailing-dot"),
    bad(dict(sans=5), "sans-number"), bad(dict(sans=["a.example.com"]), "sans-array"),
    # private_key_algo
    bad(dict(private_key_algo=DROP), "algo-missing"), bad(dict(private_key_algo=None), "algo-null"),
    bad(dict(private_key_algo=""), "algo-empty"), bad(dict(private_key_algo="rsa_2048"), "algo-lower"),
    bad(dict(private_key_algo="RSA_1024"), "algo-1024"), bad(dict(private_key_algo="EC_P521"), "algo-p521"),
    bad(dict(private_key_algo="ED25519"), "algo-ed25519"), bad(dict(private_key_algo=" SM2"), "algo-space"),
    bad(dict(private_key_algo="sm2"), "algo-sm2-lower"), bad(dict(private_key_algo=2048), "algo-number"),
    # usage
    bad(dict(usage=DROP), "usage-missing"), bad(dict(usage=None), "usage-null"), bad(dict(usage=""), "usage-empty"),
    bad(dict(usage="personal"), "usage-lower"), bad(dict(usage="Enterprise"), "usage-mixed"),
    bad(dict(usage="OTHER"), "usage-other"), bad(dict(usage=1), "usage-number"),
    # company_*, ENTERPRISE
    *[bad(dict(ENTERPRISE, **{f: DROP}), f"enterprise-{f}-missing") for f in
      ("company_country", "company_province", "company_city", "company_name")],
    *[bad(dict(ENTERPRISE, **{f: ""}), f"enterprise-{f}-empty") for f in
      ("company_country", "company_province", "company_city", "company_name")],
    *[bad(dict(ENTERPRISE, **{f: None}), f"enterprise-{f}-null") for f in
      ("company_country", "company_province", "company_city", "company_name")],
    bad(dict(ENTERPRISE, company_country="CHN"), "country-3"),
    bad(dict(ENTERPRISE, company_country="C"), "country-1"),
    bad(dict(ENTERPRISE, company_country="C1"), "country-digit"),
    bad(dict(ENTERPRISE, company_country="12"), "country-digits"),
    bad(dict(ENTERPRISE, company_country="ÇA"), "country-non-ascii"),
    bad(dict(ENTERPRISE, company_country=" C"), "country-space"),
    bad(dict(ENTERPRISE, company_name="N" * 65), "company-name-65"),
    bad(dict(ENTERPRISE, company_name="公" * 65), "company-name-65-cjk"),
    bad(dict(ENTERPRISE, company_province="P" * 129), "province-129"),
    bad(dict(ENTERPRISE, company_city="C" * 129), "city-129"),
    bad(dict(ENTERPRISE, company_name=42), "company-name-number"),
    # company_*, PERSONAL: supplied fields are still validated
    bad(dict(company_country="CHN"), "personal-country-3"),
    bad(dict(company_name="N" * 65), "personal-company-name-65"),
    bad(dict(company_city="C" * 129), "personal-city-129"),
    bad(dict(company_province="P" * 129), "personal-province-129"),
    bad(dict(company_country=1), "personal-country-number"),
]


@pytest.mark.parametrize("over", INVALID)
def test_create_invalid(over, server, world):
    r = ct.create(server, world.acme_full.token, **over)
    assert_scm_error(r, 400, "SCM.0005")


def test_create_lone_surrogate_name(server, world):
    body = json.dumps(ct.csr_body(name="@@N@@")).replace("@@N@@", "\\ud800")
    assert_scm_error(server.request("POST", "/v3/scm/csr", body=body, token=world.acme_full.token),
                     400, "SCM.0005")


def test_invalid_creates_store_nothing(server, world):
    """A 400 must not leave a CSR behind: a fresh account sees total 0 afterwards."""
    acct, _ = world.new_account("empty")
    p = world.new_user(acct, [ct.ROLE_FULL])
    for param in INVALID[::4]:
        r = ct.create(server, p.token, **param.values[0])
        assert r.status == 400, f"{param.id}: {r!r}"
    lst = ct.expect(server.request("GET", "/v3/scm/csr", token=p.token), 200)
    assert lst["total"] == 0 and lst["csr_list"] == [], f"failed creates left CSRs behind: {lst}"


def test_create_time_is_milliseconds_now(server, world):
    t0 = ct.now_ms()
    obj = ct.create_ok(server, world.acme_full.token)
    t1 = ct.now_ms()
    assert t0 - 1000 <= obj["create_time"] <= t1 + 1000, f"{obj['create_time']} not in [{t0}, {t1}] ms"
    time.sleep(0.01)
    obj2 = ct.create_ok(server, world.acme_full.token)
    assert obj2["create_time"] > obj["create_time"], "create_time must have millisecond resolution"


def test_concurrent_creates(server, world):
    """Parallel creates: each gets its own id (or, past a documented cap, 429 APIGW.0308)."""
    import concurrent.futures
    acct, _ = world.new_account("conc")
    p = world.new_user(acct, [ct.ROLE_FULL])
    algos = ["EC_P256", "EC_P384", "SM2", "RSA_2048"] * 4

    def one(a):
        return ct.create(server, p.token, private_key_algo=a, name="conc-" + a)

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        rs = list(ex.map(one, algos))
    made = []
    for r in rs:
        if r.status == 429:
            assert_scm_error(r, 429, "APIGW.0308")
        else:
            made.append(ct.expect(r, 201)["id"])
    assert made, "no concurrent create succeeded"
    assert len(set(made)) == len(made), "duplicate ids under concurrency"
    lst = ct.expect(server.request("GET", "/v3/scm/csr?limit=50", token=p.token), 200)
    assert lst["total"] == len(made) and sorted(c["id"] for c in lst["csr_list"]) == sorted(made)
