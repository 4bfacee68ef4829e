"""Fixtures for the csrd black-box suite.

Run:  CSRD_BIN=/path/to/csrd /usr/bin/python3 -m pytest /work/main/tests/integration
On PostgreSQL (scripts/test.sh does both):
      scripts/pg-cluster.sh start /tmp/pg 55432
      CSRD_TEST_DATABASE=postgres CSRD_TEST_PG_DIR=/tmp/pg CSRD_TEST_PG_PORT=55432 CSRD_BIN=... pytest ...
The oracle is /work/shared/spec/contract.md; section numbers in messages refer to it.

Every test runs on both stores (a test that checks something SQLite-specific asserts the
PostgreSQL equivalent there). test_pg_*.py exercise PostgreSQL itself (stopping the server) and
are collected on the PostgreSQL run only.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

import csrdtest as ct


# PostgreSQL-only modules: not collected at all on SQLite, rather than skipped.
collect_ignore_glob = [] if ct.on_postgres() else ["test_pg_*.py"]


@pytest.fixture(scope="session")
def csrd_bin():
    b = ct.CSRD_BIN
    if not (os.path.isfile(b) and os.access(b, os.X_OK)):
        pytest.fail(f"csrd binary not found or not executable: {b} (set CSRD_BIN)")
    return b


@pytest.fixture(scope="session")
def csrctl_bin():
    """The csrctl client (CSRCTL_BIN, else next to the csrd binary)."""
    b = os.environ.get("CSRCTL_BIN") or os.path.join(os.path.dirname(os.path.abspath(ct.CSRD_BIN)), "csrctl")
    if not (os.path.isfile(b) and os.access(b, os.X_OK)):
        pytest.fail(f"csrctl binary not found or not executable: {b} (set CSRCTL_BIN)")
    return b


@pytest.fixture(scope="session")
def server(csrd_bin, tmp_path_factory):
    """The shared server for tests that neither restart nor kill it."""
    srv = ct.Csrd(str(tmp_path_factory.mktemp("shared")), binary=csrd_bin)
    try:
        srv.start()
    except ct.ServerError as e:
        pytest.fail(str(e))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def world(server):
    """Two accounts. acme: alice (FullAccess), rob (ReadOnly), sam (Security Administrator).
    globex: gina (FullAccess). Tests that revoke, disable or re-role make their own users."""
    w = ct.World(server)
    acme, _ = w.new_account("acme")
    globex, _ = w.new_account("globex")
    w.acme = acme
    w.globex = globex
    w.acme_full = w.new_user(acme, [ct.ROLE_FULL], "alice")
    w.acme_ro = w.new_user(acme, [ct.ROLE_RO], "rob")
    w.acme_sec = w.new_user(acme, [ct.ROLE_SEC], "sam")
    w.globex_full = w.new_user(globex, [ct.ROLE_FULL], "gina")
    return w


@pytest.fixture
def fresh(csrd_bin, tmp_path):
    """Factory for function-scoped servers (restart, kill -9, bootstrap)."""
    made = []

    def make(**kw):
        kw.setdefault("binary", csrd_bin)
        srv = ct.Csrd(str(tmp_path / f"srv{len(made)}"), **kw)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()


@pytest.fixture(scope="session")
def openapi_check():
    """Runs tests/openapi/check.js (swagger-parser and Ajv from npm; scripts/install-node-deps.sh
    installs them) with the given arguments; returns (exit code, its JSON verdict)."""
    check_dir = os.path.join(ct.REPO, "tests", "openapi")
    if shutil.which("node") is None:
        pytest.fail("node is not installed (Node.js 18+ is needed for the OpenAPI checks)")
    if not os.path.isdir(os.path.join(check_dir, "node_modules", "@apidevtools", "swagger-parser")):
        pytest.fail(f"the OpenAPI validator is not installed in {check_dir}: run scripts/install-node-deps.sh")

    def run(*args):
        p = subprocess.run(["node", os.path.join(check_dir, "check.js"), *args], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        out = p.stdout.decode("utf-8", "replace").strip().splitlines()
        assert out, f"check.js printed nothing (rc {p.returncode}): {p.stderr.decode('utf-8', 'replace')}"
        return p.returncode, json.loads(out[-1])

    return run


@pytest.fixture(scope="session")
def ossl(tmp_path_factory):
    return ct.Openssl(str(tmp_path_factory.mktemp("openssl")))


# Six CSRs, one per algorithm, made once and checked by test_create and test_private_key.
SIX_BODIES = {
    "RSA_2048": dict(name="six rsa2048, with comma", domain_name="rsa2048.example.com",
                     sans=" www.rsa2048.example.com ,api.rsa2048.example.com;WWW.RSA2048.example.com;; ",
                     usage="ENTERPRISE", company_country="cn", company_province="北京市",
                     company_city="Bei, jing", company_name="Acme, Inc."),
    "RSA_3072": dict(name="six-rsa3072", domain_name="rsa3072.example.com", usage="PERSONAL"),
    "RSA_4096": dict(name="six-rsa4096", domain_name="Rsa4096.Example.COM", sans="x.example.com",
                     usage="ENTERPRISE", company_country="De", company_province="Berlin",
                     company_city="Berlin", company_name="Beispiel GmbH"),
    "EC_P256": dict(name="six-ec256", domain_name="*.ec256.example.com",
                    sans="ec256.example.com,*.EC256.example.com, b.ec256.example.com",
                    usage="PERSONAL", company_country="us", company_province="Ohio",
                    company_city="Columbus", company_name="Personal Not In Subject"),
    "EC_P384": dict(name="six-ec384", domain_name="ec384.example.com", sans="a.ec384.example.com",
                    usage="ENTERPRISE", company_country="JP", company_province="Tokyo",
                    company_city="Chiyoda", company_name="Example KK"),
    "SM2": dict(name="六 sm2", domain_name="sm2.example.cn", sans="www.sm2.example.cn;sm2.example.cn",
                usage="ENTERPRISE", company_country="cn", company_province="广东省",
                company_city="深圳市", company_name="示例有限公司"),
}


@pytest.fixture(scope="session")
def six_csrs(server, world):
    """algo -> (sent body, create response, ms before, ms after)."""
    out = {}
    for algo, fields in SIX_BODIES.items():
        body = dict(fields, private_key_algo=algo)
        t0 = ct.now_ms()
        r = server.request("POST", "/v3/scm/csr", js=body, token=world.acme_full.token)
        t1 = ct.now_ms()
        out[algo] = (body, r, t0, t1)
    return out


def pytest_report_header(config):
    try:
        v = subprocess.run(["openssl", "version"], stdout=subprocess.PIPE, timeout=10).stdout.decode().strip()
    except OSError:
        v = "openssl missing"
    store = "sqlite (<data-dir>/csrd.db)"
    if ct.on_postgres():
        store = f"postgres (cluster {ct.PG_DIR} on 127.0.0.1:{ct.PG_PORT}, a fresh database per server)"
    return [f"csrd binary: {ct.CSRD_BIN}", v, f"store: {store}"]


def pytest_sessionfinish(session, exitstatus):
    """The whole run's secret check: every csrd log of the session is searched for every secret
    the suite handled (passwords, tokens, SKs, security tokens, exported or uploaded private keys,
    master keys) and for PEM private key markers. A find fails the session, naming the log file
    and the kind of secret, never the secret."""
    if not ct.LOG_FILES:
        return
    secrets_seen = dict(ct.SECRETS)
    for s, kind in ct.data_dir_secrets().items():
        secrets_seen.setdefault(s, kind)
    leaks = ct.find_leaks(ct.LOG_FILES, secrets_seen)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    summary = (f"log secret check: {len(set(ct.LOG_FILES))} csrd log(s) searched for "
               f"{len(secrets_seen)} secret(s)")
    if not leaks:
        if reporter is not None:
            reporter.write_line(summary + ": none found")
        return
    lines = [summary + f": {len(leaks)} LEAK(S)"]
    lines += [f"  {path}: contains a {kind}" for path, kind in leaks]
    msg = "\n".join(lines)
    if reporter is not None:
        reporter.write_line(msg, red=True)
    else:
        print(msg, file=sys.stderr)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
