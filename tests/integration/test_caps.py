"""The caps of contract §7 that answer instead of queueing: the per-account CSR quota (400
SCM.0011) and the key generations in flight (429 APIGW.0308), and §1's rule that a token
request is decided by its body alone."""

import concurrent.futures
import contextlib
import re
import sqlite3
import subprocess
import time

import csrdtest as ct
from csrdtest import assert_scm_error


def new_user(srv, prefix="caps"):
    w = ct.World(srv)
    acct, _ = w.new_account(prefix)
    return w.new_user(acct, [ct.ROLE_FULL])


def test_csr_quota_per_account(fresh, ossl):
    srv = fresh(extra_args=["--csr-quota", "2"]).start()
    p, other = new_user(srv, "quota"), new_user(srv, "other")
    ct.create_ok(srv, p.token, name="one")
    key = ossl.genkey("EC_P256", "pkcs8")
    csr = ossl.make_csr(key, "/CN=quota.example.com")
    r = srv.request("POST", "/v3/scm/csr/upload", js={"name": "two", "csr": csr}, token=p.token)
    assert r.status == 200, r
    assert_scm_error(ct.create(srv, p.token, name="three"), 400, "SCM.0011")
    r = srv.request("POST", "/v3/scm/csr/upload", js={"name": "four", "csr": csr}, token=p.token)
    assert_scm_error(r, 400, "SCM.0011")
    listed = ct.expect(srv.request("GET", "/v3/scm/csr", token=p.token), 200)
    assert listed["total"] == 2, listed
    # The quota is per account; deleting frees a place.
    ct.create_ok(srv, other.token, name="elsewhere")
    first = listed["csr_list"][0]["id"]
    ct.expect(srv.request("DELETE", f"/v3/scm/csr/{first}", token=p.token), 204)
    ct.create_ok(srv, p.token, name="after-delete")


def test_key_generations_in_flight_are_capped(fresh):
    # No pool, one generation at a time: concurrent RSA-4096 creates beyond the first are
    # refused at once, and the server keeps answering while the first one runs.
    srv = fresh(extra_args=["--key-pool-threads", "0", "--max-pending-keygens", "1",
                            "--workers", "4"]).start()
    p = new_user(srv, "keygen")

    def one(_):
        return ct.create(srv, p.token, private_key_algo="RSA_4096", name="burst")

    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        futures = [ex.submit(one, i) for i in range(6)]
        time.sleep(0.2)
        health = srv.request("GET", "/health", timeout=10)
        rs = [f.result() for f in futures]
    assert health.status == 200, health
    refused = [r for r in rs if r.status == 429]
    made = [r for r in rs if r.status == 201]
    assert made, [r.status for r in rs]
    assert refused, f"no 429 with one generation allowed in flight: {[r.status for r in rs]}"
    for r in refused:
        assert_scm_error(r, 429, "APIGW.0308")


def test_token_request_ignores_signatures_and_tokens(server, world):
    u = world.acme_full
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "domain": {"name": u.account}, "name": u.user, "password": u.password}}}}}
    junk = {"Authorization": "SDK-HMAC-SHA256 Access=NOSUCHAK0000000000, SignedHeaders=x-sdk-date, "
                             "Signature=" + "0" * 64,
            "X-Sdk-Date": "19990101T000000Z", "X-Auth-Token": "not-a-token-" + "x" * 40}
    r = server.request("POST", "/v3/auth/tokens", js=body, headers=junk)
    assert r.status == 201 and r.headers.get("X-Subject-Token"), r


@contextlib.contextmanager
def store_write_lock(srv):
    """Holds the store's write lock from outside csrd while the block runs: on SQLite a
    BEGIN IMMEDIATE on the live WAL database (csrd's writes wait in its busy handler, 5 s; reads go
    on); on PostgreSQL LOCK TABLE csrs IN EXCLUSIVE MODE in an open psql session (inserts wait,
    reads go on)."""
    if ct.on_postgres():
        p = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", srv.database], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            p.stdin.write("BEGIN;\nLOCK TABLE csrs IN EXCLUSIVE MODE;\n\\echo locked\n")
            p.stdin.flush()
            line = p.stdout.readline()
            assert line.strip() == "locked", (line, p.stderr.read() if p.poll() is not None else "")
            yield
        finally:
            try:
                p.stdin.write("COMMIT;\n")
                p.stdin.close()
            except BrokenPipeError:
                pass
            p.wait(timeout=30)
    else:
        con = sqlite3.connect(f"{srv.data_dir}/csrd.db", timeout=30, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            yield
        finally:
            con.execute("COMMIT")
            con.close()


def pool_depth(srv, algo):
    text = srv.request("GET", "/metrics").body.decode()
    m = re.search(r'^csrd_key_pool_depth\{algorithm="' + algo + r'"\} (\S+)$', text, re.M)
    return float(m.group(1)) if m else None


def test_create_cap_is_not_held_while_the_store_write_waits(fresh):
    # One key generation allowed in flight, pooled EC_P256 keys (so a create's slot lasts only
    # for building the CSR), and the store's write lock held from outside: three creates started
    # 0.1 s apart all wait for the write together. The cap covers key generation and signing,
    # not the commit, so none is refused; were the slot held through the write, the second and
    # third would get 429 at once.
    srv = fresh(extra_args=["--max-pending-keygens", "1", "--workers", "4", "--key-pool-threads", "1",
                            "--key-pool-depth", "all=0", "--key-pool-depth", "EC_P256=4"]).start()
    p = new_user(srv, "capwrite")
    deadline = time.monotonic() + 60
    while pool_depth(srv, "EC_P256") != 4:
        assert time.monotonic() < deadline, f"EC_P256 pool not full: depth {pool_depth(srv, 'EC_P256')}"
        time.sleep(0.1)

    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        with store_write_lock(srv):
            futures = []
            for i in range(3):
                futures.append(ex.submit(ct.create, srv, p.token, private_key_algo="EC_P256",
                                         name=f"while-locked-{i}"))
                time.sleep(0.1)
            time.sleep(0.5)
            early = [f.result() for f in futures if f.done()]
            # They wait for the store (a 429 would be done already).
            assert not early, f"answered while the store was locked: {early}"
        rs = [f.result() for f in futures]
    assert [r.status for r in rs] == [201, 201, 201], rs
    listed = ct.expect(srv.request("GET", "/v3/scm/csr?limit=50", token=p.token), 200)
    assert {c["name"] for c in listed["csr_list"]} == {f"while-locked-{i}" for i in range(3)}, listed
