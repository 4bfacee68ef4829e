"""Helpers for the csrd black-box suite: a server process, an HTTP client, openssl, DER.

Standard library only. Everything here talks to csrd from the outside (a process, a socket,
`csrd admin`), so the suite checks the contract and not the code.
"""
import base64
import http.client
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import tempfile
import time

# The whole run's log secret check: csrdtest remembers what it handles (re-exported for tests).
from leakcheck import (LOG_DATA_DIRS, LOG_FILES, SECRETS, data_dir_secrets, find_leaks,  # noqa: F401
                       remember_exchange, remember_json_secrets, remember_secret)

CSRD_BIN = os.environ.get("CSRD_BIN", "/work/main/build/csrd")

# The store every server of the suite runs on: "sqlite" (default: <data-dir>/csrd.db) or
# "postgres", then on a cluster started by scripts/pg-cluster.sh whose directory and port are
# CSRD_TEST_PG_DIR and CSRD_TEST_PG_PORT. On PostgreSQL every Csrd gets a fresh database and a
# master key of its own (csrd never generates one for PostgreSQL, contract §7).
BACKEND = (os.environ.get("CSRD_TEST_DATABASE") or "sqlite").strip().lower()
if BACKEND in ("pg", "postgresql"):
    BACKEND = "postgres"
if BACKEND not in ("sqlite", "postgres"):
    raise RuntimeError(f"CSRD_TEST_DATABASE must be sqlite or postgres, not {BACKEND!r}")
PG_DIR = os.environ.get("CSRD_TEST_PG_DIR", "")
PG_PORT = os.environ.get("CSRD_TEST_PG_PORT", "")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG_CLUSTER = os.path.join(REPO, "scripts", "pg-cluster.sh")

HEX32 = re.compile(r"^[0-9a-f]{32}$")
REQUEST_ID = re.compile(r"^[0-9a-fA-F]{32}$")
IAM_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
JSON_CT = "application/json;charset=UTF-8"

MAX_BODY = 12_582_912
MAX_TOKEN = 2_097_152
MAX_HEAD = 2 * 1024 * 1024 + 16 * 1024

ROLE_FULL = "SCM FullAccess"
ROLE_RO = "SCM ReadOnlyAccess"
ROLE_SEC = "Security Administrator"

ALGOS = ["RSA_2048", "RSA_3072", "RSA_4096", "EC_P256", "EC_P384", "SM2"]
SM2_ID = "1234567812345678"


def now_ms():
    return int(time.time() * 1000)


def unique(prefix):
    return prefix + secrets.token_hex(4)


def on_postgres():
    return BACKEND == "postgres"


def new_master_key():
    return base64.b64encode(secrets.token_bytes(32)).decode()


def pg_cluster(*args, timeout=120):
    """Runs scripts/pg-cluster.sh; returns its stdout (stripped)."""
    p = subprocess.run([PG_CLUSTER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"pg-cluster.sh {' '.join(args)} -> rc {p.returncode}: {p.stderr.decode()}")
    return p.stdout.decode().strip()


def pg_createdb(pg_dir=None, port=None):
    """A new, empty database on the suite's cluster (or the given one); returns its URL."""
    pg_dir = pg_dir or PG_DIR
    port = str(port or PG_PORT)
    if not pg_dir or not port:
        raise RuntimeError("CSRD_TEST_DATABASE=postgres needs CSRD_TEST_PG_DIR and CSRD_TEST_PG_PORT "
                           "(a cluster started by scripts/pg-cluster.sh start DIR PORT)")
    url = pg_cluster("createdb", pg_dir, port, "t" + secrets.token_hex(8)).splitlines()[-1]
    assert url.startswith("postgresql://"), url
    return url


# --------------------------------------------------------------------------- HTTP


class Headers(dict):
    """Response headers, looked up case-insensitively (keys stored lower-case)."""

    def __init__(self, pairs):
        super().__init__()
        self.all = list(pairs)
        for k, v in self.all:
            super().__setitem__(k.lower(), v)

    def __getitem__(self, k):
        return super().__getitem__(k.lower())

    def __contains__(self, k):
        return super().__contains__(k.lower())

    def get(self, k, default=None):
        return super().get(k.lower(), default)


class Resp:
    def __init__(self, status, reason, headers, body, method="", path=""):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.method = method
        self.path = path
        self._json = None
        self._parsed = False

    @property
    def json(self):
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except Exception:  # noqa: BLE001 - a test asserts on None with context
                self._json = None
        return self._json

    def __repr__(self):
        b = self.body[:400]
        return f"<{self.method} {self.path[:120]} -> {self.status} {b!r}{'...' if len(self.body) > 400 else ''}>"


OPENAPI_DOC = os.path.join(REPO, "api", "openapi.json")


def openapi_case(template, r):
    """One real exchange as a case of tests/openapi/check.js ("responses"): the route template it
    is checked against and what csrd answered."""
    return {"method": r.method, "path": template, "status": r.status,
            "content_type": r.headers.get("Content-Type"),
            "headers": {k.lower(): v for k, v in r.headers.all},
            "body": r.body.decode("utf-8")}


class OpenApiRecorder:
    """Collects real exchanges as check.js cases (the openapi_check fixture checks them)."""

    def __init__(self):
        self.cases = []

    def add(self, template, r, status=None):
        """Records r under template (asserting its status if given); returns r."""
        if status is not None:
            assert r.status == status, f"expected {status}: {r!r}"
        self.cases.append(openapi_case(template, r))
        return r


def expect(r, status):
    """Asserts the status and returns the parsed JSON body (or None)."""
    assert r.status == status, f"expected HTTP {status}, got {r!r}"
    return r.json


def assert_scm_error(r, status, code):
    """The SCM error shape of contract §6, with the request id tie."""
    assert r.status == status, f"expected {status} {code}, got {r!r}"
    assert r.headers.get("Content-Type") == JSON_CT, f"Content-Type {r.headers.get('Content-Type')!r} on {r!r}"
    j = r.json
    assert isinstance(j, dict), f"error body is not a JSON object: {r!r}"
    assert j.get("error_code") == code, f"expected error_code {code}, got {r!r}"
    assert isinstance(j.get("error_msg"), str) and len(j["error_msg"]) <= 1024, f"bad error_msg in {r!r}"
    assert 3 <= len(j["error_code"]) <= 36
    rid = r.headers.get("X-Request-Id")
    assert rid and REQUEST_ID.match(rid), f"X-Request-Id {rid!r} is not 32 hex on {r!r}"
    assert j.get("request_id") == rid, f"body request_id {j.get('request_id')!r} != X-Request-Id {rid!r}"
    return j


def assert_keystone_error(r, status, message=None, title=None):
    """The Keystone error shape (contract §6, iam-subset §2.3 shape A)."""
    assert r.status == status, f"expected {status} (Keystone), got {r!r}"
    assert r.headers.get("Content-Type") == JSON_CT, f"Content-Type {r.headers.get('Content-Type')!r} on {r!r}"
    j = r.json
    assert isinstance(j, dict) and isinstance(j.get("error"), dict), f"not a Keystone error body: {r!r}"
    e = j["error"]
    assert type(e.get("code")) is int and e["code"] == status, f"error.code must be the integer {status}: {r!r}"
    assert isinstance(e.get("message"), str) and e["message"], f"error.message missing: {r!r}"
    assert isinstance(e.get("title"), str) and e["title"], f"error.title missing: {r!r}"
    if message is not None:
        assert e["message"] == message, f"expected message {message!r}: {r!r}"
    if title is not None:
        assert e["title"] == title, f"expected title {title!r}: {r!r}"
    rid = r.headers.get("X-Request-Id")
    assert rid and REQUEST_ID.match(rid), f"X-Request-Id {rid!r} is not 32 hex on {r!r}"
    return e


def raw_exchange(port, data, chunks=None, timeout=30.0, check_close=False):
    """Sends raw bytes (head, then optional body chunks), tolerating an early close by the
    server, then reads one response. Returns (Resp or None, closed_after_response)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
            for c in chunks or ():
                s.sendall(c)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = http.client.HTTPResponse(s, method="GET")
        try:
            resp.begin()
        except (ConnectionResetError, http.client.RemoteDisconnected, http.client.BadStatusLine) as e:
            return None, f"no response: {e!r}"
        try:
            body = resp.read()
        except (ConnectionResetError, http.client.IncompleteRead):
            body = b""
        r = Resp(resp.status, resp.reason, Headers(resp.getheaders()), body, "RAW", data[:60].decode("latin-1"))
        closed = None
        if check_close:
            s.settimeout(3.0)
            try:
                closed = s.recv(1) == b""
            except ConnectionResetError:
                closed = True
            except socket.timeout:
                closed = False
        return r, closed
    finally:
        s.close()


# --------------------------------------------------------------------------- server


def free_port():
    return free_ports(1)[0]


def free_ports(n):
    """n distinct free loopback ports (all sockets held open until every port is chosen)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class ServerError(Exception):
    pass


class Csrd:
    """One csrd process on a loopback port with its own data dir and stderr log.

    backend: "sqlite" or "postgres" (default: the suite's, BACKEND). On PostgreSQL the server
    runs on `database` (default: a fresh database of the suite's cluster) with CSRD_MASTER_KEY =
    master_key (default: a new key; None: none given); the data dir then only receives the
    generated bootstrap password file. On SQLite `database` is None (<data-dir>/csrd.db) and
    master_key defaults to None (csrd generates <data-dir>/master.key).

    tls: None (plain HTTP), or (cert_file, key_file, ca_file): serve HTTPS with that pair, and
    talk to it with a client that verifies against ca_file (self.ssl_context). host: the address
    to listen on (clients always connect to 127.0.0.1). popen_kwargs: extra subprocess.Popen
    arguments (cwd, preexec_fn, ...)."""

    def __init__(self, workdir, data_dir=None, bootstrap_password="<random>", env=None, binary=CSRD_BIN,
                 backend=None, database=None, master_key="<auto>", extra_args=(), tls=None,
                 host="127.0.0.1", popen_kwargs=None):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="data-", dir=workdir)
        if bootstrap_password == "<random>":
            bootstrap_password = "Boot-" + secrets.token_urlsafe(12)
        self.bootstrap_password = bootstrap_password
        remember_secret(bootstrap_password, "bootstrap password")
        self.backend = backend or BACKEND
        if self.backend == "postgres":
            self.database = database or pg_createdb()
            self.master_key = new_master_key() if master_key == "<auto>" else master_key
        else:
            self.database = database
            self.master_key = None if master_key == "<auto>" else master_key
        remember_secret(self.master_key, "master key")
        self.extra_env = dict(env or {})
        self.extra_args = list(extra_args)
        self.binary = binary
        self.tls = tls
        self.host = host
        self.connect_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        self.popen_kwargs = dict(popen_kwargs or {})
        self.ssl_context = None
        if tls is not None:
            self.ssl_context = ssl.create_default_context(cafile=tls[2])
        self.proc = None
        self.port = None
        self.log_path = None
        self._starts = 0

    @classmethod
    def replica_of(cls, other, workdir, **kw):
        """Another server on other's store: the same PostgreSQL database and master key, or
        (SQLite) the same data dir, so the same database file and master.key."""
        kw.setdefault("binary", other.binary)
        kw.setdefault("bootstrap_password", other.bootstrap_password)
        kw.setdefault("env", other.extra_env)
        if other.backend == "postgres":
            return cls(workdir, backend="postgres", database=other.database, master_key=other.master_key, **kw)
        return cls(workdir, data_dir=other.data_dir, backend="sqlite", database=other.database,
                   master_key=other.master_key, **kw)

    def store_args(self):
        return ["--database", self.database] if self.database else []

    # -- process
    def _env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CSRD_")}
        if self.bootstrap_password is not None:
            env["CSRD_BOOTSTRAP_PASSWORD"] = self.bootstrap_password
        if self.master_key is not None:
            env["CSRD_MASTER_KEY"] = self.master_key
        env.update(self.extra_env)
        return env

    def start(self, timeout=40.0, expect_ready=True):
        self._starts += 1
        self.port = free_port()
        self.log_path = os.path.join(self.workdir, f"csrd-{self._starts}.log")
        LOG_FILES.append(self.log_path)
        LOG_DATA_DIRS.add(self.data_dir)
        self._log = open(self.log_path, "wb")
        tls_args = ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]] if self.tls else []
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--listen", f"{host}:{self.port}", "--data-dir", self.data_dir,
             *self.store_args(), *tls_args, *self.extra_args],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, env=self._env(),
            **self.popen_kwargs)
        if expect_ready:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=40.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"csrd exited with {self.proc.returncode} before ready; log {self.log_path}:\n"
                                  + self.log_tail())
            try:
                r = self.request("GET", "/health", timeout=2)
                if r.status == 200:
                    return
                last = r
            except OSError as e:
                last = e
            time.sleep(0.05)
        raise ServerError(f"csrd not ready after {timeout}s (last: {last!r}); log:\n" + self.log_tail())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=30.0):
        """Signals the server and returns its exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._log.close()
                return None
        self._log.close()
        return self.proc.returncode

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self._log.close()

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def log_tail(self, n=4000):
        return self.log_text()[-n:]

    # -- HTTP
    def connection(self, timeout=120):
        """A new http.client connection to the server (HTTPS when it serves TLS)."""
        if self.ssl_context is not None:
            return http.client.HTTPSConnection(self.connect_host, self.port, timeout=timeout,
                                               context=self.ssl_context)
        return http.client.HTTPConnection(self.connect_host, self.port, timeout=timeout)

    def request(self, method, path, js=None, body=None, headers=None, token=None, timeout=120):
        """One request on a fresh connection. `js` is JSON-encoded; `body` is sent as is.
        A header given the value None is not sent (e.g. {"Content-Type": None})."""
        hdrs = {}
        if js is not None:
            body = json.dumps(js, ensure_ascii=False).encode("utf-8")
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body is not None:
            hdrs["Content-Type"] = JSON_CT
        if token is not None:
            hdrs["X-Auth-Token"] = token
        for k, v in (headers or {}).items():
            for existing in [h for h in hdrs if h.lower() == k.lower()]:
                del hdrs[existing]
            if v is not None:
                hdrs[k] = v
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            r = Resp(resp.status, resp.reason, Headers(resp.getheaders()), data, method, path)
            remember_exchange(hdrs, body, r)
            return r
        finally:
            conn.close()

    # -- csrd admin
    def admin(self, *args, stdin=None, check=True):
        p = subprocess.run([self.binary, "admin", "--data-dir", self.data_dir, *self.store_args(), *args],
                           input=(stdin.encode("utf-8") if isinstance(stdin, str) else stdin),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self._env(), timeout=60)
        if stdin is not None and args and args[0] in ("create-user", "reset-password"):
            remember_secret((stdin if isinstance(stdin, str) else stdin.decode()).rstrip("\n"), "password")
        if args and args[0] == "create-key":
            remember_json_secrets(p.stdout)
        if check and p.returncode != 0:
            raise ServerError(f"csrd admin {' '.join(args)} -> rc {p.returncode}\nstdout: {p.stdout!r}\n"
                              f"stderr: {p.stderr!r}")
        return p

    @staticmethod
    def _printed_id(p):
        lines = [ln.strip() for ln in p.stdout.decode("utf-8", "replace").splitlines() if ln.strip()]
        ids = [w for ln in lines for w in re.findall(r"\b[0-9a-f]{32}\b", ln)]
        assert ids, f"csrd admin printed no 32-hex id: {p.stdout!r}"
        return ids[-1]

    def create_account(self, name):
        return self._printed_id(self.admin("create-account", name))

    def create_user(self, account, user, password, roles):
        args = ["create-user", "--account", account, "--user", user]
        for role in roles:
            args += ["--role", role]
        return self._printed_id(self.admin(*args, stdin=password + "\n"))

    # -- identity
    def login(self, account, user, password, scope="<account>", extra=None):
        auth = {"identity": {"methods": ["password"],
                             "password": {"user": {"domain": {"name": account}, "name": user,
                                                   "password": password}}}}
        if scope == "<account>":
            auth["scope"] = {"domain": {"name": account}}
        elif scope != "<absent>":
            auth["scope"] = scope
        if extra:
            auth.update(extra)
        return self.request("POST", "/v3/auth/tokens", js={"auth": auth})

    def token(self, account, user, password):
        r = self.login(account, user, password)
        assert r.status == 201, f"login {account}/{user} failed: {r!r}"
        tok = r.headers.get("X-Subject-Token")
        assert tok, f"no X-Subject-Token on {r!r}"
        return tok


class Principal:
    def __init__(self, srv, account, account_id, user, user_id, password, roles):
        self.srv = srv
        self.account = account
        self.account_id = account_id
        self.user = user
        self.user_id = user_id
        self.password = password
        self.roles = roles
        self.token = srv.token(account, user, password)

    def relogin(self):
        self.token = self.srv.token(self.account, self.user, self.password)
        return self.token


class World:
    """Accounts and users made with `csrd admin` on a running server."""

    def __init__(self, srv):
        self.srv = srv
        self.accounts = {}

    def new_account(self, prefix="acct"):
        name = unique(prefix)
        self.accounts[name] = self.srv.create_account(name)
        return name, self.accounts[name]

    def new_user(self, account, roles, prefix="user"):
        user = unique(prefix)
        password = "Pw-" + secrets.token_urlsafe(16)
        uid = self.srv.create_user(account, user, password, roles)
        return Principal(self.srv, account, self.accounts.get(account), user, uid, password, roles)


# --------------------------------------------------------------------------- TLS


class TestPki:
    """A throwaway CA (EC P-256) in `directory` and server certificates it signs, made with the
    openssl command. leaf() returns (cert_file, key_file); every certificate names 127.0.0.1 and
    localhost, so a client verifying against self.ca connects to 127.0.0.1 with hostname checks on."""

    __test__ = False  # not a pytest class

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.ca = os.path.join(directory, "ca.pem")
        self.ca_key = os.path.join(directory, "ca.key")
        self._serial = int(time.time())
        self._run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                  "-keyout", self.ca_key, "-out", self.ca, "-days", "3", "-subj", "/CN=csrd test CA",
                  "-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def _run(self, *args):
        p = subprocess.run(["openssl", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if p.returncode != 0:
            raise AssertionError(f"openssl {' '.join(args)}: {p.stderr.decode()}")
        return p.stdout

    def leaf(self, name, kind="ec", cn="localhost"):
        """kind: ec (P-256) or rsa (2048)."""
        key = os.path.join(self.dir, f"{name}.key")
        cert = os.path.join(self.dir, f"{name}.pem")
        req = os.path.join(self.dir, f"{name}.csr")
        ext = os.path.join(self.dir, f"{name}.ext")
        newkey = ["-newkey", "rsa:2048"] if kind == "rsa" else ["-newkey", "ec", "-pkeyopt",
                                                                 "ec_paramgen_curve:P-256"]
        self._run("req", "-new", *newkey, "-nodes", "-keyout", key, "-out", req, "-subj", f"/CN={cn}")
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n")
        self._serial += 1
        self._run("x509", "-req", "-in", req, "-CA", self.ca, "-CAkey", self.ca_key, "-set_serial",
                  str(self._serial), "-days", "2", "-sha256", "-extfile", ext, "-out", cert)
        return cert, key

    @staticmethod
    def der(cert_file):
        with open(cert_file) as f:
            return ssl.PEM_cert_to_DER_cert(f.read())


# --------------------------------------------------------------------------- CSR helpers


def csr_body(**over):
    body = {"name": "it-" + secrets.token_hex(3), "domain_name": "www.example.com",
            "private_key_algo": "EC_P256", "usage": "PERSONAL"}
    for k, v in over.items():
        if v is DROP:
            body.pop(k, None)
        else:
            body[k] = v
    return body


class _Drop:
    def __repr__(self):
        return "DROP"


DROP = _Drop()

ENTERPRISE = {"usage": "ENTERPRISE", "company_country": "CN", "company_province": "Beijing",
              "company_city": "Beijing", "company_name": "Example Co"}


def create(srv, token, **over):
    return srv.request("POST", "/v3/scm/csr", js=csr_body(**over), token=token)


def create_ok(srv, token, **over):
    r = create(srv, token, **over)
    assert r.status == 201, f"create failed: {r!r}"
    return r.json


CSR_FIELDS = ["id", "name", "csr", "domain_name", "sans", "private_key_algo", "usage", "company_country",
              "company_province", "company_city", "company_name", "create_time", "update_time"]
ECHO_FIELDS = ["name", "domain_name", "sans", "private_key_algo", "usage", "company_country",
               "company_province", "company_city", "company_name"]


def assert_csr_object(obj, sent=None):
    """Contract §3: every field present with the right JSON type; echo of what was sent."""
    assert isinstance(obj, dict), f"not an object: {obj!r}"
    for f in CSR_FIELDS:
        assert f in obj, f"field {f!r} missing from CSR object {sorted(obj)}"
    for f in ECHO_FIELDS + ["id", "csr"]:
        assert isinstance(obj[f], str), f"{f} must be a string, got {obj[f]!r}"
    assert HEX32.match(obj["id"]), f"id {obj['id']!r} is not 32 lower-case hex"
    for f in ("create_time", "update_time"):
        assert type(obj[f]) is int, f"{f} must be a JSON integer, got {obj[f]!r}"
        assert 1_600_000_000_000 < obj[f] < 4_000_000_000_000, f"{f} {obj[f]} is not epoch milliseconds"
    if sent is not None:
        for f in ECHO_FIELDS:
            want = sent.get(f)
            want = "" if want is None else want
            assert obj[f] == want, f"{f}: sent {sent.get(f)!r}, got back {obj[f]!r}"


# --------------------------------------------------------------------------- openssl


class Openssl:
    def __init__(self, tmpdir):
        self.dir = tmpdir
        os.makedirs(tmpdir, exist_ok=True)

    def write(self, text, suffix=".pem"):
        fd, path = tempfile.mkstemp(suffix=suffix, dir=self.dir)
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
        return path

    def run(self, *args, stdin=None, check=True):
        p = subprocess.run(["openssl", *args], input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        if check and p.returncode != 0:
            raise AssertionError(f"openssl {' '.join(args)} failed ({p.returncode}): {err}")
        return out, err

    def csr_info(self, pem, sm2=False):
        f = self.write(pem, ".csr")
        vfy = ["-vfyopt", f"distid:{SM2_ID}"] if sm2 else []
        out, err = self.run("req", "-in", f, "-noout", "-text", "-verify", *vfy, check=False)
        text = out + err
        subj_out, _ = self.run("req", "-in", f, "-noout", "-subject", "-nameopt",
                               "sep_multiline,sname,utf8,-esc_msb")
        subject = []
        for line in subj_out.splitlines()[1:]:
            line = line.strip()
            if "=" in line:
                k, v = line.split("=", 1)
                subject.append((k, v))
        sans = None
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if "X509v3 Subject Alternative Name" in line:
                sans = [s.strip() for s in lines[i + 1].strip().split(", ")]
        def grab(rx):
            m = re.search(rx, text)
            return m.group(1) if m else None
        bits = grab(r"Public-Key: \((\d+) bit\)")
        exp = grab(r"Exponent: (\d+)")
        return {
            "verify_ok": "verify OK" in text and "verify failure" not in text,
            "text": text,
            "subject": subject,
            "sans": sans,
            "pubkey_alg": grab(r"Public Key Algorithm: (\S+)"),
            "bits": int(bits) if bits else None,
            "curve": grab(r"ASN1 OID: (\S+)"),
            "exponent": int(exp) if exp else None,
            "sig_alg": grab(r"Signature Algorithm: (\S+)"),
        }

    def csr_pubkey(self, pem):
        f = self.write(pem, ".csr")
        return self.run("req", "-in", f, "-pubkey", "-noout")[0]

    def key_pubkey(self, pem):
        f = self.write(pem, ".key")
        return self.run("pkey", "-in", f, "-pubout")[0]

    def key_text(self, pem):
        f = self.write(pem, ".key")
        return self.run("pkey", "-in", f, "-noout", "-text")[0]

    def genkey(self, algo, fmt="pkcs8", exponent=None, bits=None, curve=None):
        """algo: RSA_2048.. / EC_P256 / EC_P384 / SM2 / or raw ('rsa', bits) via kwargs.
        fmt: pkcs8, pkcs1 (RSA), sec1 (EC), encrypted (PKCS#8 encrypted), encrypted-traditional."""
        path = os.path.join(self.dir, unique("k") + ".pem")
        if algo.startswith("RSA"):
            nbits = bits or int(algo.split("_")[1])
            args = ["genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{nbits}"]
            if exponent:
                args += ["-pkeyopt", f"rsa_keygen_pubexp:{exponent}"]
        elif algo in ("EC_P256", "EC_P384", "EC"):
            c = curve or {"EC_P256": "P-256", "EC_P384": "P-384"}[algo]
            args = ["genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{c}"]
        elif algo == "SM2":
            args = ["genpkey", "-algorithm", "SM2"]
        elif algo == "ED25519":
            args = ["genpkey", "-algorithm", "ED25519"]
        else:
            raise ValueError(algo)
        if fmt == "encrypted":
            args += ["-aes256", "-pass", "pass:secret"]
        self.run(*args, "-out", path)
        if fmt in ("pkcs1", "sec1", "encrypted-traditional"):
            kind = "rsa" if algo.startswith("RSA") else "ec"
            extra = ["-traditional"] if kind == "rsa" else []
            enc = ["-aes256", "-passout", "pass:secret"] if fmt == "encrypted-traditional" else []
            out, _ = self.run(kind, "-in", path, *extra, *enc)
            return out
        with open(path) as f:
            return f.read()

    def make_csr(self, key_pem, subj, sans=None, sm2=False, distid=True, md=None):
        """subj like '/C=DE/O=Acme/CN=x.example.com' (UTF-8). sans like 'DNS:a,IP:1.2.3.4'."""
        k = self.write(key_pem, ".key")
        args = ["req", "-new", "-key", k, "-utf8", "-subj", subj]
        if sans:
            args += ["-addext", f"subjectAltName={sans}"]
        if sm2:
            args += ["-sm3"]
            if distid:
                args += ["-sigopt", f"distid:{SM2_ID}"]
        elif md:
            args += [f"-{md}"]
        return self.run(*args)[0]


# --------------------------------------------------------------------------- DER


def pem_to_der(pem):
    lines = [ln for ln in pem.strip().splitlines() if not ln.startswith("-----") and ":" not in ln]
    return base64.b64decode("".join(lines))


def der_to_pem(der, label):
    b = base64.b64encode(der).decode()
    body = "\n".join(b[i:i + 64] for i in range(0, len(b), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def der_tlv(buf, pos):
    """Returns (tag, content_start, content_end) of the TLV at pos."""
    tag = buf[pos]
    ln = buf[pos + 1]
    pos += 2
    if ln & 0x80:
        n = ln & 0x7F
        ln = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    return tag, pos, pos + ln


def der_children(buf, start, end):
    out = []
    pos = start
    while pos < end:
        tag, s, e = der_tlv(buf, pos)
        out.append((tag, s, e))
        pos = e
    return out


OID_RSA = bytes.fromhex("2a864886f70d010101")
OID_EC = bytes.fromhex("2a8648ce3d0201")
OID_P256 = bytes.fromhex("2a8648ce3d030107")
OID_P384 = bytes.fromhex("2b81040022")
OID_SM2 = bytes.fromhex("2a811ccf5501822d")


def pkcs8_info(pem):
    """Parses a PKCS#8 PrivateKeyInfo: {'alg': oid bytes, 'param': oid bytes or None,
    'inner_tags': tags of the inner key's SEQUENCE children}."""
    der = pem_to_der(pem)
    tag, s, e = der_tlv(der, 0)
    assert tag == 0x30 and e == len(der), "PKCS#8 is not one DER SEQUENCE"
    kids = der_children(der, s, e)
    assert kids[0][0] == 0x02, "PKCS#8 version missing"
    assert kids[1][0] == 0x30, "PKCS#8 AlgorithmIdentifier missing"
    alg = der_children(der, kids[1][1], kids[1][2])
    alg_oid = der[alg[0][1]:alg[0][2]]
    param = der[alg[1][1]:alg[1][2]] if len(alg) > 1 and alg[1][0] == 0x06 else None
    assert kids[2][0] == 0x04, "PKCS#8 privateKey OCTET STRING missing"
    inner = der[kids[2][1]:kids[2][2]]
    itag, i_s, i_e = der_tlv(inner, 0)
    inner_tags = [t for t, _, _ in der_children(inner, i_s, i_e)]
    return {"alg": alg_oid, "param": param, "inner_tags": inner_tags}
