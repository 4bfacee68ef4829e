"""csrd driven by an official client nobody here wrote: the Huawei Cloud Node.js SDK core
(@huaweicloud/huaweicloud-sdk-core 3.1.211 from npm), through sdk_node/driver.js.

The core builds, signs (SDK-HMAC-SHA256) and sends every request and maps every error; the
driver only supplies the seven SCM routes' request metadata (the SCM service package is not on
npm) and, for the tamper cases, edits a request after the core signed it. Specs: sdk-wire.md
§2, §4-§8; iam-subset.md §6-§8; contract.md §1-§2, §6. Needs `scripts/install-node-deps.sh`.
"""
import json
import os
import secrets
import select
import shutil
import subprocess
import time

import pytest

import csrdtest as ct

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER_DIR = os.path.join(HERE, "sdk_node")
DRIVER = os.path.join(DRIVER_DIR, "driver.js")
CORE_DIR = os.path.join(DRIVER_DIR, "node_modules", "@huaweicloud", "huaweicloud-sdk-core")
PEM_CSR = "-----BEGIN CERTIFICATE REQUEST-----"
AUTH_401 = "APIGW.0301"
DENY_403 = "APIGW.0302"
SCM_OPS = ("create", "list", "show", "update", "delete", "private-key", "upload")


# --------------------------------------------------------------------------- driver


class SdkResult:
    """One line of driver output: status/body/error_code/error_msg/request_id as the SDK saw
    them, plus `wire` (response headers) and `sent` (what the core signed and sent)."""

    def __init__(self, cmd, out):
        self.cmd = cmd
        self.raw = out
        j = json.loads(out)
        self.__dict__.update(j)

    def __repr__(self):
        what = f"{self.cmd.get('op')} {json.dumps(self.cmd.get('params', {}), ensure_ascii=False)[:200]}"
        shown = {k: v for k, v in json.loads(self.raw).items() if k != "sent"}
        return f"<sdk {what} -> {json.dumps(shown, ensure_ascii=False)[:900]}; sent {self.sent}>"

    def ok(self, status):
        """Asserts an SDK success with this status and returns the body."""
        assert self.exception is None and self.status == status, f"expected SDK success {status}, got {self!r}"
        rid = (self.wire or {}).get("request_id")
        assert rid and ct.REQUEST_ID.match(rid), f"X-Request-Id {rid!r} missing or not 32 hex (contract §6): {self!r}"
        return self.body

    def err(self, status, code):
        """Asserts the SDK raised ClientRequestException with this status and error code, and that
        the SDK's request_id (from X-Request-Id) equals the body's request_id."""
        assert self.exception == "ClientRequestException", f"expected ClientRequestException, got {self!r}"
        assert self.status == status and self.error_code == code, f"expected {status} {code}, got {self!r}"
        assert isinstance(self.error_msg, str) and self.error_msg, f"empty error_msg: {self!r}"
        assert self.request_id and ct.REQUEST_ID.match(self.request_id), f"SDK request_id {self.request_id!r}: {self!r}"
        assert self.request_id == (self.wire or {}).get("request_id"), f"request_id is not the header: {self!r}"
        assert self.wire.get("content_type") == ct.JSON_CT, f"error Content-Type: {self!r}"
        if self.cmd["op"] in SCM_OPS:
            # The SCM error shape of contract §6, the body's request_id tied to the header.
            b = self.body if isinstance(self.body, dict) else {}
            assert b.get("error_code") == code and b.get("error_msg") == self.error_msg, f"error body: {self!r}"
            assert b.get("request_id") == self.request_id, \
                f"body request_id {b.get('request_id')!r} != X-Request-Id {self.request_id!r} (contract §6)"
        return self


class SdkNode:
    """One `node driver.js --serve` process for the module: a command per stdin line, an answer
    per stdout line. Each command gets a fresh SDK client inside the driver, as if it ran alone."""

    TIMEOUT = 60.0

    def __init__(self, endpoint, workdir):
        self.endpoint = endpoint
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("HUAWEICLOUD_SDK_", "CSRD_")) and k.lower() not in
                    ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "debug")}
        # The core writes an application id under $HOME/.huaweicloud; keep it out of the real home.
        self.env["HOME"] = workdir
        self.stderr_path = os.path.join(workdir, "driver.stderr")
        self.proc = None
        self._buf = b""

    def _start(self):
        self._err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(["node", DRIVER, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._err, env=self.env, cwd=DRIVER_DIR)
        self._buf = b""

    def close(self):
        if self.proc is not None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._err.close()
            self.proc = None

    def _stderr_tail(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def _read_line(self):
        deadline = time.monotonic() + self.TIMEOUT
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.proc.kill()
                self.proc.wait()
                self.proc = None
                pytest.fail(f"the SDK driver gave no answer within {self.TIMEOUT}s; stderr: {self._stderr_tail()}")
            chunk = os.read(fd, 65536)
            if not chunk:
                rc = self.proc.wait()
                self.proc = None
                pytest.fail(f"the SDK driver exited (rc {rc}); stderr: {self._stderr_tail()}")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode("utf-8")

    def call(self, creds, op, params=None, **extra):
        """creds: {"ak", "sk"[, "security_token"][, "domain_id"]}. extra: region, iam_endpoint,
        x_sdk_date, tamper, or overrides of ak/sk/endpoint."""
        cmd = {"endpoint": self.endpoint, "op": op, "params": params or {}}
        cmd.update(creds)
        cmd.update(extra)
        if self.proc is None:
            self._start()
        # stdin, not argv: the SK and the security token stay out of the process list.
        self.proc.stdin.write(json.dumps(cmd).encode("utf-8") + b"\n")
        self.proc.stdin.flush()
        line = self._read_line()
        assert '"driver_error"' not in line[:20], f"driver error for {op}: {line[:2000]}"
        ct.remember_secret(cmd.get("sk"), "SK")
        ct.remember_secret(cmd.get("security_token"), "security token")
        ct.remember_json_secrets(json.loads(line).get("body"))  # e.g. an exported private key
        return SdkResult(cmd, line)


@pytest.fixture(scope="module")
def sdk(server, tmp_path_factory):
    if shutil.which("node") is None:
        pytest.fail("node is not installed (Node.js 18+ is needed for the SDK tests)")
    if not os.path.isfile(os.path.join(CORE_DIR, "package.json")):
        pytest.fail(f"the Node SDK core is not installed in {DRIVER_DIR}: run scripts/install-node-deps.sh")
    node = SdkNode(f"http://127.0.0.1:{server.port}", str(tmp_path_factory.mktemp("sdknode")))
    yield node
    node.close()


# --------------------------------------------------------------------------- identity helpers


def login_body(srv, principal):
    """(token, user id from the token body) for a user made by ct.World."""
    r = srv.login(principal.account, principal.user, principal.password)
    j = ct.expect(r, 201)
    return r.headers.get("X-Subject-Token"), j["token"]["user"]["id"]


def create_key(srv, token, user_id, description="sdk"):
    """Permanent AK/SK through the credentials API (iam-subset §6.1)."""
    r = srv.request("POST", "/v3.0/OS-CREDENTIAL/credentials",
                    js={"credential": {"user_id": user_id, "description": description}}, token=token)
    j = ct.expect(r, 201)
    c = j["credential"]
    assert c.get("access") and c.get("secret"), f"no access/secret in {r!r}"
    assert c.get("status") == "active" and c.get("user_id") == user_id, f"bad credential {r!r}"
    return {"ak": c["access"], "sk": c["secret"]}


def create_temp_with_token(srv, token, duration=900):
    """Temporary AK/SK + security token (iam-subset §7) for the token's user."""
    r = srv.request("POST", "/v3.0/OS-CREDENTIAL/securitytokens", token=token,
                    js={"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": duration}}}})
    j = ct.expect(r, 201)
    c = j["credential"]
    for f in ("access", "secret", "securitytoken", "expires_at"):
        assert isinstance(c.get(f), str) and c[f], f"temporary credential lacks {f}: {r!r}"
    return {"ak": c["access"], "sk": c["secret"], "security_token": c["securitytoken"]}


class Who:
    """A user made for this module. `token` logs in afresh each time: changing a user's keys may
    revoke its tokens (iam-subset §6.5), and a test must not depend on whether it does."""

    def __init__(self, srv, principal):
        self.srv = srv
        self.p = principal
        _, self.user_id = login_body(srv, principal)

    @property
    def token(self):
        return login_body(self.srv, self.p)[0]


def make_user(world, account, roles, prefix):
    return Who(world.srv, world.new_user(account, roles, prefix))


@pytest.fixture(scope="module")
def ids(server, world, sdk):
    """Keys made for this module, in an account of its own. `main`/`neg` are two permanent keys
    of one FullAccess user (`neg` takes the bad-signature tests, each followed by a good call that
    resets the lockout count); `ro` a ReadOnly user's key; `tmp` temporary credentials of the
    full user. `globex_id` is another account's id."""
    acct, acct_id = world.new_account("sdkacct")
    full = make_user(world, acct, [ct.ROLE_FULL], "sdkfull")
    ro = make_user(world, acct, [ct.ROLE_RO], "sdkro")
    k = {
        "acct": acct,
        "acct_id": acct_id,
        "globex_id": world.accounts[world.globex],
        "full": full,
        "main": create_key(server, full.token, full.user_id),
        "neg": create_key(server, full.token, full.user_id, "sdk negatives"),
        "ro": create_key(server, ro.token, ro.user_id),
        "tmp": create_temp_with_token(server, full.token),
    }
    return k


def creds_for(ids, mode):
    if mode == "permanent":
        return dict(ids["main"])
    if mode == "permanent+domain":
        return dict(ids["main"], domain_id=ids["acct_id"])
    if mode == "temporary":
        return dict(ids["tmp"])
    raise ValueError(mode)


def still_works(sdk, creds):
    """A good call with the key: proves it was not broken, and resets its failure count."""
    sdk.call(creds, "list", {"limit": 10}).ok(200)


def sdk_date(offset_s=0):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + offset_s))


# --------------------------------------------------------------------------- the seven routes


@pytest.mark.parametrize("mode", ["permanent", "permanent+domain", "temporary"])
def test_seven_routes(mode, sdk, server, ids, ossl):
    creds = creds_for(ids, mode)
    tag = secrets.token_hex(4)
    body = dict(name=f"sdk-{mode}-{tag}", domain_name=f"{tag}.sdk.example.com",
                sans=f"www.{tag}.sdk.example.com;api.{tag}.sdk.example.com",
                private_key_algo="EC_P256", usage="ENTERPRISE", company_country="DE",
                company_province="Berlin", company_city="Berlin", company_name="SDK GmbH")

    # CreateCsr: 201 and the whole CSR object, echoing what was sent (contract §1, §3).
    res = sdk.call(creds, "create", body)
    created = res.ok(201)
    ct.assert_csr_object(created, body)
    assert created["csr"].startswith(PEM_CSR), f"create must return the CSR PEM: {res!r}"
    signed = res.sent["signed_headers"]
    assert signed == sorted(signed) and {"content-type", "host", "x-sdk-date"} <= set(signed), res.sent
    assert ("x-domain-id" in signed) == (mode == "permanent+domain"), res.sent
    assert ("x-security-token" in signed) == (mode == "temporary"), res.sent
    cid = created["id"]

    # The key's account owns it: the token API of the same account sees it.
    tr = server.request("GET", f"/v3/scm/csr/{cid}", token=ids["full"].token)
    assert ct.expect(tr, 200)["csr"] == created["csr"], f"token view differs: {tr!r}"

    # ListCsr with a name filter (the core sends limit, offset, name unsorted).
    listed = sdk.call(creds, "list", {"limit": 10, "offset": 0, "name": f"-{tag}"}).ok(200)
    assert listed.get("total") == 1 and [c["id"] for c in listed["csr_list"]] == [cid], f"list: {listed!r}"
    ct.assert_csr_object(listed["csr_list"][0], body)

    # ShowCsr.
    shown = sdk.call(creds, "show", {"id": cid}).ok(200)
    ct.assert_csr_object(shown, body)
    assert shown["csr"] == created["csr"] and shown["create_time"] == created["create_time"]

    # UpdateCsr: only the name changes, update_time moves (never backwards).
    time.sleep(0.005)
    new_name = f"renamed {mode} ü {tag}"
    upd = sdk.call(creds, "update", {"id": cid, "name": new_name}).ok(200)
    assert upd["name"] == new_name and upd["id"] == cid, f"update: {upd!r}"
    assert upd["update_time"] >= created["update_time"] and upd["csr"] == created["csr"]
    assert sdk.call(creds, "show", {"id": cid}).ok(200)["name"] == new_name

    # ShowCsrPrivateKey: PKCS#8 PEM whose public key is the CSR's.
    pk = sdk.call(creds, "private-key", {"id": cid})
    pem = pk.ok(200)["private_key"]
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n"), f"not PKCS#8 PEM: {pk!r}"
    assert pk.wire.get("cache_control") == "no-store", f"private key without Cache-Control: no-store: {pk!r}"
    assert ossl.key_pubkey(pem) == ossl.csr_pubkey(created["csr"]), "exported key does not match the CSR"

    # UploadCsr with its key: 200 {id, name, create_time}; the key comes back out unchanged.
    ukey = ossl.genkey("EC_P256")
    ucsr = ossl.make_csr(ukey, f"/C=DE/O=Up Co/CN=up{tag}.example.com", sans=f"DNS:up{tag}.example.com")
    up = sdk.call(creds, "upload", {"name": f"sdk-up-{tag}", "csr": ucsr, "private_key": ukey}).ok(200)
    assert ct.HEX32.match(up.get("id", "")) and up.get("name") == f"sdk-up-{tag}", f"upload: {up!r}"
    assert type(up.get("create_time")) is int, f"upload create_time: {up!r}"
    ushown = sdk.call(creds, "show", {"id": up["id"]}).ok(200)
    assert ushown["domain_name"] == f"up{tag}.example.com" and ushown["usage"] == "ENTERPRISE", ushown
    upem = sdk.call(creds, "private-key", {"id": up["id"]}).ok(200)["private_key"]
    assert ossl.key_pubkey(upem) == ossl.key_pubkey(ukey), "uploaded key did not round-trip"

    # DeleteCsr: 204 with no body; afterwards ShowCsr is 400 SCM.0707 with the request id tie.
    for victim in (cid, up["id"]):
        d = sdk.call(creds, "delete", {"id": victim})
        d.ok(204)
        assert d.wire.get("empty_body") and d.body == {}, f"204 must have an empty body: {d!r}"
        gone = sdk.call(creds, "show", {"id": victim}).err(400, "SCM.0707")
        assert gone.body.get("error_code") == "SCM.0707", gone


def test_list_query_needs_canonical_sorting_and_encoding(sdk, ids):
    """The core sends limit, offset, name, private_key_algo in that order and encodes with
    querystring (leaving ! ' ( ) * raw); the server must sort and re-encode (sdk-wire §6.2)."""
    creds = creds_for(ids, "permanent")
    tag = secrets.token_hex(4)
    odd = f"/ü&=+*~'()! {tag}"
    made = sdk.call(creds, "create", {"name": f"q{odd}", "domain_name": "q.example.com",
                                      "private_key_algo": "EC_P256", "usage": "PERSONAL"}).ok(201)
    res = sdk.call(creds, "list", {"limit": 20, "offset": 0, "name": odd, "private_key_algo": "EC_P256"})
    got = res.ok(200)
    assert got["total"] == 1 and got["csr_list"][0]["id"] == made["id"], f"{res!r}"
    assert list(res.sent["query"]) == ["limit", "offset", "name", "private_key_algo"], res.sent
    none = sdk.call(creds, "list", {"name": odd, "private_key_algo": "SM2"}).ok(200)
    assert none["total"] == 0 and none["csr_list"] == [], none
    sdk.call(creds, "delete", {"id": made["id"]}).ok(204)


def test_domain_id_discovered_by_the_core(sdk, server, ids):
    """GlobalCredentials without a domain id, a Region, and the IAM endpoint pointed at csrd:
    the core calls GET /v3/auth/domains (a signed GET with body {}) and then signs X-Domain-Id
    (iam-subset §8)."""
    creds = creds_for(ids, "permanent")
    res = sdk.call(creds, "list", {"limit": 10}, region="cn-north-4", iam_endpoint=sdk.endpoint)
    res.ok(200)
    assert res.domain_id == ids["acct_id"], f"discovered {res.domain_id!r}, want {ids['acct_id']}: {res!r}"
    assert "x-domain-id" in res.sent["signed_headers"], res.sent


# --------------------------------------------------------------------------- error mapping


def test_wrong_sk_is_401(sdk, ids):
    neg = ids["neg"]
    res = sdk.call(dict(neg, sk=neg["sk"][:-1] + ("A" if neg["sk"][-1] != "A" else "B")), "list", {})
    res.err(401, AUTH_401)
    still_works(sdk, neg)


def test_unknown_ak_is_401(sdk, ids):
    ghost = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(20))
    sdk.call({"ak": ghost, "sk": ids["main"]["sk"]}, "list", {}).err(401, AUTH_401)
    # Another user's AK with this user's SK.
    sdk.call({"ak": ids["ro"]["ak"], "sk": ids["neg"]["sk"]}, "list", {}).err(401, AUTH_401)
    still_works(sdk, ids["ro"])


def test_tampered_body_is_401_and_creates_nothing(sdk, ids):
    neg = ids["neg"]
    tag = secrets.token_hex(4)
    signed = {"name": f"signed-{tag}", "domain_name": "t.example.com", "private_key_algo": "EC_P256",
              "usage": "PERSONAL"}
    sent = dict(signed, name=f"tampered-{tag}")
    sdk.call(neg, "create", signed, tamper={"body": sent}).err(401, AUTH_401)
    still_works(sdk, neg)
    assert sdk.call(neg, "list", {"name": tag}).ok(200)["total"] == 0, "a request with a bad signature acted"


def test_tampered_query_is_401(sdk, ids):
    neg = ids["neg"]
    sdk.call(neg, "list", {"limit": 10, "name": "a"}, tamper={"query": {"limit": 10, "name": "b"}}).err(401, AUTH_401)
    still_works(sdk, neg)


def test_tampered_signed_header_is_401(sdk, ids):
    neg = ids["neg"]
    # X-Domain-Id was signed; changing it after signing breaks the signature before the
    # domain check could answer 403.
    sdk.call(dict(neg, domain_id=ids["acct_id"]), "list", {},
             tamper={"headers": {"X-Domain-Id": ids["globex_id"]}}).err(401, AUTH_401)
    still_works(sdk, neg)


def test_date_out_of_window_is_401(sdk, ids):
    neg = ids["neg"]
    for off in (-20 * 60, 20 * 60):
        sdk.call(neg, "list", {}, x_sdk_date=sdk_date(off)).err(401, AUTH_401)
    sdk.call(neg, "list", {}, x_sdk_date=sdk_date(-60)).ok(200)


def test_private_key_signature_is_single_use(sdk, ids):
    """Same X-Sdk-Date, same request: the core produces the identical signature. On the
    private-key route the replay is refused (contract §2.2); on ShowCsr it is not."""
    creds = creds_for(ids, "permanent")
    made = sdk.call(creds, "create", {"name": "replay", "domain_name": "r.example.com",
                                      "private_key_algo": "EC_P256", "usage": "PERSONAL"}).ok(201)
    date = sdk_date(-30)   # in the window, and never the second of a later unpinned call
    a = sdk.call(creds, "show", {"id": made["id"]}, x_sdk_date=date)
    b = sdk.call(creds, "show", {"id": made["id"]}, x_sdk_date=date)
    a.ok(200)
    b.ok(200)
    k1 = sdk.call(creds, "private-key", {"id": made["id"]}, x_sdk_date=date)
    k2 = sdk.call(creds, "private-key", {"id": made["id"]}, x_sdk_date=date)
    k1.ok(200)
    k2.err(401, AUTH_401)
    sdk.call(creds, "private-key", {"id": made["id"]}).ok(200)
    sdk.call(creds, "delete", {"id": made["id"]}).ok(204)


def test_temporary_credentials_need_their_security_token(sdk, server, ids):
    tmp = ids["tmp"]
    no_token = {"ak": tmp["ak"], "sk": tmp["sk"]}
    sdk.call(no_token, "list", {}).err(401, AUTH_401)
    other = create_temp_with_token(server, ids["full"].token)
    sdk.call(dict(tmp, security_token=other["security_token"]), "list", {}).err(401, AUTH_401)
    # A permanent AK does not take a security token either (contract §2.2).
    sdk.call(dict(ids["neg"], security_token=tmp["security_token"]), "list", {}).err(401, AUTH_401)
    still_works(sdk, ids["neg"])
    still_works(sdk, tmp)
    still_works(sdk, other)


def test_foreign_domain_id_is_403(sdk, ids):
    for creds in (ids["main"], ids["tmp"]):
        sdk.call(dict(creds, domain_id=ids["globex_id"]), "list", {}).err(403, DENY_403)
        sdk.call(dict(creds, domain_id=ids["globex_id"]), "create",
                 {"name": "x", "domain_name": "x.example.com", "private_key_algo": "EC_P256",
                  "usage": "PERSONAL"}).err(403, DENY_403)


def test_read_only_key_is_403_on_writes(sdk, ids):
    ro = ids["ro"]
    sdk.call(ro, "list", {}).ok(200)
    sdk.call(ro, "create", {"name": "x", "domain_name": "x.example.com", "private_key_algo": "EC_P256",
                            "usage": "PERSONAL"}).err(403, DENY_403)
    sdk.call(ro, "private-key", {"id": "0" * 32}).err(403, DENY_403)


def test_keystone_error_shape_through_the_sdk(sdk, ids):
    """The core maps {"error": {"code", "message"}} too: error_code is the integer code."""
    res = sdk.call(ids["main"], "request", {"method": "GET",
                                            "path": "/v3.0/OS-CREDENTIAL/credentials/NOSUCHKEY0000000000A"})
    assert res.exception == "ClientRequestException" and res.status == 404, f"{res!r}"
    assert res.error_code == 404 and res.error_msg, f"Keystone error not mapped: {res!r}"
    assert res.request_id == res.wire["request_id"] and ct.REQUEST_ID.match(res.request_id), f"{res!r}"


# --------------------------------------------------------------------------- key lifecycle


def test_signed_identity_calls_and_key_lifecycle(sdk, server, world, ids):
    """Temporary keys made by an AK/SK-signed call; they cannot make more keys; an inactive key
    fails; deleting the parent key revokes its temporary keys (contract §2.3, §2.4)."""
    who = make_user(world, ids["acct"], [ct.ROLE_FULL], "sdklife")
    key = create_key(server, who.token, who.user_id)
    sdk.call(key, "list", {}).ok(200)

    r = sdk.call(key, "request", {"method": "POST", "path": "/v3.0/OS-CREDENTIAL/securitytokens",
                                  "body": {"auth": {"identity": {"methods": ["token"],
                                                                 "token": {"duration_seconds": 900}}}}})
    c = r.ok(201)["credential"]
    tmp = {"ak": c["access"], "sk": c["secret"], "security_token": c["securitytoken"]}
    assert "x-security-token" not in r.sent["signed_headers"]
    sdk.call(tmp, "list", {}).ok(200)

    more = sdk.call(tmp, "request", {"method": "POST", "path": "/v3.0/OS-CREDENTIAL/securitytokens",
                                     "body": {"auth": {"identity": {"methods": ["token"]}}}})
    assert more.status in (401, 403) and more.exception == "ClientRequestException", f"{more!r}"
    assert "credential" not in (more.body or {}), f"temporary keys made temporary keys: {more!r}"
    perm = sdk.call(tmp, "request", {"method": "POST", "path": "/v3.0/OS-CREDENTIAL/credentials",
                                     "body": {"credential": {"user_id": who.user_id}}})
    assert perm.status in (401, 403) and "credential" not in (perm.body or {}), \
        f"temporary keys made a permanent key: {perm!r}"

    path = f"/v3.0/OS-CREDENTIAL/credentials/{key['ak']}"
    ct.expect(server.request("PUT", path, js={"credential": {"status": "inactive"}}, token=who.token), 200)
    sdk.call(key, "list", {}).err(401, AUTH_401)
    ct.expect(server.request("PUT", path, js={"credential": {"status": "active"}}, token=who.token), 200)
    sdk.call(key, "list", {}).ok(200)

    ct.expect(server.request("DELETE", path, token=who.token), 204)
    sdk.call(key, "list", {}).err(401, AUTH_401)
    sdk.call(tmp, "list", {}).err(401, AUTH_401)


def test_five_bad_signatures_lock_the_key(sdk, world, server, ids):
    who = make_user(world, ids["acct"], [ct.ROLE_FULL], "sdklock")
    key = create_key(server, who.token, who.user_id)
    bad = dict(key, sk="x" * 40)
    for _ in range(5):
        sdk.call(bad, "list", {}).err(401, AUTH_401)
    sdk.call(key, "list", {}).err(401, AUTH_401)   # locked: even the right SK is refused
    other = create_key(server, who.token, who.user_id, "second")
    sdk.call(other, "list", {}).ok(200)              # the lock is per AK
