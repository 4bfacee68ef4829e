#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (the committed seeds
were made by this script; run it again only to refresh them: keys and
signatures come out different each time).

Crypto seeds are real openssl output: CSRs of the six algorithms (SM2 with
its distinguishing id) as DER and as PEM text, and private keys as PKCS#8,
PKCS#1 and SEC1. Text seeds are the bodies, Authorization headers (the worked
examples of sdk-wire.md §6.4) and request heads the server really receives.
"""
import base64
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
SM2_ID = "1234567812345678"
ALGOS = {
    "rsa2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "rsa3072": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
    "rsa4096": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
    "p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "sm2": ["-algorithm", "SM2"],
}


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True, capture_output=True).stdout


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def der(pem):
    lines = [ln for ln in pem.decode().splitlines() if ln and not ln.startswith("-----")]
    return base64.b64decode("".join(lines))


def crypto_seeds(tmp):
    for name, args in ALGOS.items():
        key_path = os.path.join(tmp, name + ".key")
        openssl("genpkey", *args, "-out", key_path)
        pkcs8 = open(key_path, "rb").read()
        put("private_key", name + "-pkcs8.der", b"\x00" + der(pkcs8))
        if name.startswith("rsa"):
            pkcs1 = openssl("rsa", "-in", key_path, "-traditional")
            put("private_key", name + "-pkcs1.der", b"\x01" + der(pkcs1))
        else:
            sec1 = openssl("ec", "-in", key_path)
            label = b"\x03" if name == "sm2" else b"\x02"
            put("private_key", name + "-sec1.der", label + der(sec1))
        enterprise = name in ("rsa2048", "p384", "sm2")
        subj = ("/C=CN/ST=广东省/L=深圳市/O=示例有限公司/CN=%s.example.com" % name if enterprise
                else "/CN=%s.example.com" % name)
        req = ["req", "-new", "-key", key_path, "-utf8", "-subj", subj,
               "-addext", "subjectAltName=DNS:%s.example.com,DNS:*.example.com,IP:192.0.2.1,"
               "email:ops@example.com" % name]
        if name == "sm2":
            req += ["-sm3", "-sigopt", "distid:" + SM2_ID]
        elif name == "p384":
            req += ["-sha384"]
        csr = openssl(*req)
        put("csr", name + ".der", der(csr))
        if name in ("p256", "sm2"):
            put("csr", name + ".pem", csr)
        if name == "p256":
            # A pasted bundle: the key block first, then the request.
            put("csr", "bundle-key-first.pem", pkcs8 + csr)
            put("csr", "new-label.pem", csr.replace(b"CERTIFICATE REQUEST", b"NEW CERTIFICATE REQUEST"))
            put("private_key", "p256-pkcs8.pem", pkcs8)
            put("private_key", "p256-encrypted.pem",
                openssl("pkcs8", "-topk8", "-in", key_path, "-v2", "aes-256-cbc", "-passout", "pass:x"))
            ecparam = openssl("ecparam", "-name", "prime256v1", "-genkey")
            put("private_key", "p256-ecparam-then-key.pem", ecparam)
        if name == "sm2":
            put("private_key", "sm2-label.pem", openssl("ec", "-in", key_path))
        if name == "rsa2048":
            put("private_key", "rsa2048-pkcs1.pem", openssl("rsa", "-in", key_path, "-traditional"))
        if name == "p256":
            # Regression seed of a finding: a DNS SAN that is not ASCII.
            put("csr", "regress-non-ascii-dns.der", openssl(
                "req", "-new", "-key", key_path, "-subj", "/CN=a.example.com", "-outform", "DER",
                "-addext", b"subjectAltName=DNS:b\xff.example.com"))


CSR_BODIES = {
    "create-personal.json": '{"name": "web", "domain_name": "www.example.com", "sans": "example.com;api.example.com", "private_key_algo": "EC_P256", "usage": "PERSONAL"}',
    "create-enterprise.json": '{"name": "企业证书", "domain_name": "*.example.cn", "sans": " a.example.cn , b.example.cn;A.EXAMPLE.CN", "private_key_algo": "SM2", "usage": "ENTERPRISE", "company_country": "cn", "company_province": "广东省", "company_city": "深圳市", "company_name": "示例有限公司"}',
    "create-go-sdk.json": '{"name":"n","domain_name":"www.example.com","private_key_algo":"RSA_4096","usage":"PERSONAL","sans":null,"company_country":null}\n',
    "update.json": '{"name": "web-2026"}',
    "upload.json": '{"name": "up", "csr": "-----BEGIN CERTIFICATE REQUEST-----\\nMIIB\\n-----END CERTIFICATE REQUEST-----\\n", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n"}',
}

IAM_BODIES = {
    "token-domain-scope.json": '{"auth": {"identity": {"methods": ["password"], "password": {"user": {"domain": {"name": "default"}, "name": "admin", "password": "Change-me-2026!"}}}, "scope": {"domain": {"name": "default"}}}}',
    "token-project-scope.json": '{"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": "0123456789abcdef0123456789abcdef", "password": "pw"}}}, "scope": {"project": {"name": "cn-north-4"}}}}',
    "credential-create.json": '{"credential": {"user_id": "0123456789abcdef0123456789abcdef", "description": "ci key"}}',
    "credential-update.json": '{"credential": {"status": "inactive", "description": "rotated"}}',
    "securitytoken-policy.json": '{"auth": {"identity": {"methods": ["token"], "token": {"id": "tok", "duration_seconds": 3600}, "policy": {"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["scm:csr:get*", "scm::listCsr"]}, {"Effect": "Deny", "Action": ["scm:*:delete*"]}]}}}}',
    "securitytoken-long-action.json": '{"auth": {"identity": {"methods": ["token"], "policy": {"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["scm:csr:get%s*"]}]}}}}' % ("A" * 238),
    # Regression seed of a finding: an action longer than the stored form allows.
    "regress-long-action.json": '{"auth": {"identity": {"methods": ["token"], "policy": {"Version": "1.1", "Statement": [{"Effect": "Deny", "Action": ["scm:csr:%s"]}]}}}}' % ("x" * 249),
    "securitytoken-string-duration.json": '{"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": "900"}}}}',
}

AUTH_HEADERS = {
    "sdk-wire-a.txt": "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date, Signature=15dbd3c79d35677ff5fa44e234f9aa829246d8f9381037f1d3f8e0b76c7887e5",
    "sdk-wire-b.txt": "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, SignedHeaders=content-type;host;user-agent;x-sdk-date, Signature=527a2c18f08deb71a6875d009d99ae0fc08c4ffc56110d1f0e12e975b6693e82",
    "sdk-wire-c.txt": "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date;x-security-token, Signature=b1575308a89ae27ca368a3a1a1eb1afd3c9ff8e2b985d4df4d33f7a7452e4492",
    "captured-python.txt": "SDK-HMAC-SHA256 Access=CAPTUREAK00000000001, SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date, Signature=fb927c606bfcd13f0ff41893a74cbc000ce71aeada11e7111672b1e6b3b482f5",
    "spaced-any-order.txt": "SDK-HMAC-SHA256\tSignature = FB927C606BFCD13F0FF41893A74CBC000CE71AEADA11E7111672B1E6B3B482F5 ,Access=AK1,  SignedHeaders=Host;X-Sdk-Date",
    "date.txt": "20250101T120000Z",
    "date-leap.txt": "20240229T235959Z",
}

BODY_A = '{"name": "demo", "domain_name": "www.example.com", "private_key_algo": "RSA_2048", "usage": "PERSONAL"}'
COMMON = ("Content-Type: application/json\nHost: scm.example.internal:8443\n"
          "User-Agent: huaweicloud-usdk-python/3.0; example-agent\nX-Sdk-Date: 20250101T120000Z\n")
CANONICAL = {
    "example-a.txt": "POST\n/v3/scm/csr\n\n" + COMMON + "X-Domain-Id: 0123456789abcdef0123456789abcdef\n\n" + BODY_A,
    "example-b.txt": "GET\n/v3/scm/csr\nlimit=10&name=my%20csr%2F%C3%BC&offset=0&private_key_algo=RSA_2048\n" + COMMON + "\n",
    "example-c.txt": "GET\n/v3/scm/csr/csr-0001/private-key\n\n" + COMMON + "X-Domain-Id: 0123456789abcdef0123456789abcdef\nX-Security-Token: example-sts-token\n\n",
    "odd-id.txt": "DELETE\n/v3/scm/csr/a%2Fb%3Fc+d%25e%C3%A9\nx=%26&x=&=v&&a+b=c%3D\n" + COMMON + "\n",
}

QUERIES = {
    "list.txt": "GET /v3/scm/csr?limit=10&name=my%20csr%2F%C3%BC&offset=0&private_key_algo=RSA_2048",
    "show.txt": "GET /v3/scm/csr/0123456789abcdef0123456789abcdef",
    "private-key.txt": "GET /v3/scm/csr/0123456789abcdef0123456789abcdef/private-key",
    "encoded-slash.txt": "DELETE /v3/scm/csr/a%2Fb%2f..%00",
    "upload.txt": "POST /v3/scm/csr/upload",
    "credential.txt": "PUT /v3.0/OS-CREDENTIAL/credentials/EXAMPLEAK0123456789AB",
    "projects.txt": "GET /v3/projects?name=cn-north-4",
    "repeated.txt": "GET /v3/scm/csr?limit=&limit=50&offset=2147483647&name=",
}

HEADS = {
    "python-create.http": "POST /v3/scm/csr HTTP/1.1\r\nUser-Agent: huaweicloud-usdk-python/3.0; os/Linux##1_SMP_PREEMPT_DYNAMIC_@0#x86_64 python/3.11.2 impl/CPython; app/1769d2b8-d57e-4094-b61d-07b44d1243c9\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nX-Domain-Id: d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0\r\nX-Sdk-Date: 20261130T033034Z\r\nHost: 127.0.0.1:42409\r\nAuthorization: SDK-HMAC-SHA256 Access=CAPTUREAK00000000001, SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date, Signature=fb927c606bfcd13f0ff41893a74cbc000ce71aeada11e7111672b1e6b3b482f5\r\nContent-Length: 159\r\n\r\n" + '{"name": "sdk-personal-66cacb97", "domain_name": "www.example.com", "sans": "a.example.com;b.example.com", "private_key_algo": "RSA_2048", "usage": "PERSONAL"}',
    "curl-list.http": "GET /v3/scm/csr?limit=10 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nX-Auth-Token: MIIEXAMPLETOKEN\r\n\r\n",
    "chunked-put.http": "PUT /v3/scm/csr/0123456789abcdef0123456789abcdef HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n7\r\n{\"name\"\r\n9;ext=1\r\n: \"web2\"}\r\n0\r\nTrailer: x\r\n\r\n",
    "pipelined.http": "\r\nGET /health HTTP/1.1\r\nHost: h\r\n\r\nDELETE /v3/auth/tokens HTTP/1.1\r\nHost: h\r\nX-Subject-Token: t\r\nContent-Length: 0\r\n\r\nGET /ready HTTP/1.0\r\n\r\n",
    "expect-continue.http": "POST /v3/auth/tokens HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
    "smuggle.http": "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\nabc",
}


def text_seeds():
    for n, b in CSR_BODIES.items():
        put("csr_body", n, b)
        put("json_object", n, b)
    for n, b in IAM_BODIES.items():
        put("iam_body", n, b)
        put("json_object", n, b)
    put("json_object", "nested-numbers.json", '{"a": [1, -0, 1.5e300, 18446744073709551615, -9223372036854775808, true, null, "\\u00e9\\ud83d\\ude00"], "b": {"c": {}}}')
    put("csr_body", "sans-raw.txt", " a.example.com ; b.example.com,,*.c.example.com ")
    for n, b in AUTH_HEADERS.items():
        put("sdk_auth", n, b)
    for n, b in CANONICAL.items():
        put("sdk_canonical", n, b)
    for n, b in QUERIES.items():
        put("query", n, b)
    for n, b in HEADS.items():
        put("http_request", n, b)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    with tempfile.TemporaryDirectory() as tmp:
        crypto_seeds(tmp)
    text_seeds()
    for t in sorted(os.listdir(OUT)):
        print(t, len(os.listdir(os.path.join(OUT, t))), file=sys.stderr)


if __name__ == "__main__":
    main()
