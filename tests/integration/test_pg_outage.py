"""PostgreSQL down and back (issue 5): requests fail fast with 500 SCM.0500, and the same csrd
processes recover by themselves when the database returns.

PostgreSQL-only (collected on the PostgreSQL run). It stops a private cluster of its own, so the
suite's cluster and the other tests are not disturbed."""
import os
import shutil
import signal
import tempfile
import threading
import time

import pytest

import csrdtest as ct
from aksk import signed_request
from csrdtest import assert_scm_error

# A request while the database is down must answer within this (the store's own caps are a
# 3 s connect timeout and a 5 s statement/pool timeout).
FAIL_FAST_S = 10


@pytest.fixture
def cluster():
    # Under /tmp, not pytest's private tmp dir: the server runs as user postgres.
    d = tempfile.mkdtemp(prefix="csrd-outage-", dir="/tmp")
    os.chmod(d, 0o755)
    port = ct.free_port()
    ct.pg_cluster("start", d, str(port))
    try:
        yield d, port
    finally:
        try:
            ct.pg_cluster("stop", d)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class Stream:
    """Back-to-back list requests on each server from one thread per server."""

    def __init__(self, servers, token):
        self.servers, self.token = servers, token
        self.ok = self.failed = 0
        self.bad = []
        self.slowest = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(srv,)) for srv in servers]

    def _run(self, srv):
        while not self._stop.is_set():
            t0 = time.monotonic()
            try:
                r = srv.request("GET", "/v3/scm/csr", token=self.token, timeout=60)
            except OSError as e:
                r = e
            took = time.monotonic() - t0
            with self._lock:
                self.slowest = max(self.slowest, took)
                if isinstance(r, ct.Resp) and r.status == 200:
                    self.ok += 1
                elif isinstance(r, ct.Resp) and r.status == 500 and (r.json or {}).get("error_code") == "SCM.0500":
                    self.failed += 1
                else:
                    self.bad.append(r)

    def start(self):
        for t in self._threads:
            t.start()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(120)


def timed(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0


class Pair:
    """Replicas a and b on a fresh database of the private cluster, with a user, a CSR and an AK/SK."""

    def __init__(self, csrd_bin, tmp_path, pg_dir, port):
        url = ct.pg_createdb(pg_dir, port)
        self.a = ct.Csrd(str(tmp_path / "a"), binary=csrd_bin, backend="postgres", database=url)
        self.b = ct.Csrd.replica_of(self.a, str(tmp_path / "b"))
        self.a.start()
        self.b.start()
        w = ct.World(self.a)
        acct, _ = w.new_account("outage")
        self.p = w.new_user(acct, [ct.ROLE_FULL], "o")
        self.made = ct.create_ok(self.a, self.p.token, name="before-outage")
        r = self.b.request("POST", "/v3.0/OS-CREDENTIAL/credentials", token=self.p.token,
                           js={"credential": {"user_id": self.p.user_id}})
        assert r.status == 201, r
        self.key = r.json["credential"]

    def servers(self):
        return (self.a, self.b)

    def kill(self):
        for srv in self.servers():
            if srv.alive():
                srv.kill9()

    def check_recovered(self, ossl):
        """The same processes serve again, on every pooled connection, with nothing lost or
        half-done from the outage."""
        a, b, p, made, key = self.a, self.b, self.p, self.made, self.key
        for srv in (a, b):
            deadline = time.time() + 30
            while True:
                r = srv.request("GET", "/ready", timeout=30)
                if r.status == 200:
                    break
                assert time.time() < deadline, f"not ready 30 s after the database returned: {r!r}"
                time.sleep(0.2)
        # No stale connection is handed out once the database is back.
        for srv in (a, b):
            for _ in range(20):
                ct.expect(srv.request("GET", "/v3/scm/csr", token=p.token), 200)
        shown = ct.expect(b.request("GET", f"/v3/scm/csr/{made['id']}", token=p.token), 200)
        assert shown == made, "the CSR changed across the outage"
        pem = ct.expect(b.request("GET", f"/v3/scm/csr/{made['id']}/private-key", token=p.token),
                        200)["private_key"]
        assert ossl.key_pubkey(pem) == ossl.csr_pubkey(made["csr"])
        ct.expect(signed_request(a, key["access"], key["secret"], "GET", "/v3/scm/csr"), 200)
        after = ct.create_ok(b, p.token, name="after-outage")
        ct.expect(a.request("DELETE", f"/v3/scm/csr/{after['id']}", token=p.token), 204)
        ct.expect(a.login(p.account, p.user, p.password), 201)
        j = ct.expect(a.request("GET", "/v3/scm/csr?limit=50", token=p.token), 200)
        assert [c["id"] for c in j["csr_list"]] == [made["id"]], j
        for srv in (a, b):
            assert srv.stop() == 0, f"exit after the outage; log:\n{srv.log_tail()}"


def test_outage_fails_fast_and_recovers(csrd_bin, tmp_path, cluster, ossl):
    pg_dir, port = cluster
    pair = Pair(csrd_bin, tmp_path, pg_dir, port)
    a, b, p, made, key = pair.a, pair.b, pair.p, pair.made, pair.key
    try:
        # Stop the server in the middle of a stream of requests on both replicas: every answer is
        # a success or a 500, promptly; none hangs.
        stream = Stream([a, b], p.token)
        stream.start()
        time.sleep(0.5)
        ct.pg_cluster("stop", pg_dir)
        time.sleep(1.0)
        stream.stop()
        assert stream.ok > 0, "the stream never succeeded before the stop"
        assert stream.failed > 0, "the stream saw no failure after the stop"
        assert not stream.bad, f"answers other than 200 / 500 SCM.0500: {stream.bad[:3]}"
        assert stream.slowest < FAIL_FAST_S, f"a request took {stream.slowest:.1f}s around the stop"

        cases = {
            "list": lambda srv: srv.request("GET", "/v3/scm/csr", token=p.token, timeout=60),
            "show": lambda srv: srv.request("GET", f"/v3/scm/csr/{made['id']}", token=p.token, timeout=60),
            "create": lambda srv: ct.create(srv, p.token, name="during-outage"),
            "export": lambda srv: srv.request("GET", f"/v3/scm/csr/{made['id']}/private-key", token=p.token,
                                              timeout=60),
            "delete": lambda srv: srv.request("DELETE", f"/v3/scm/csr/{made['id']}", token=p.token, timeout=60),
            "aksk": lambda srv: signed_request(srv, key["access"], key["secret"], "GET", "/v3/scm/csr"),
            "ready": lambda srv: srv.request("GET", "/ready", timeout=60),
        }
        # Twice round, so every pooled connection meets the outage.
        for _ in range(2):
            for srv in (a, b):
                for name, fn in cases.items():
                    r, took = timed(lambda: fn(srv))
                    assert took < FAIL_FAST_S, f"{name} took {took:.1f}s with the database down"
                    assert_scm_error(r, 500, "SCM.0500")
                r, took = timed(lambda: srv.login(p.account, p.user, p.password))
                assert took < FAIL_FAST_S, f"login took {took:.1f}s with the database down"
                assert r.status == 500, f"login with the database down: {r!r}"
                # Liveness does not depend on the database: the process is fine.
                ct.expect(srv.request("GET", "/health", timeout=10), 200)
        assert a.alive() and b.alive()

        ct.pg_cluster("start", pg_dir, str(port))
        pair.check_recovered(ossl)
    finally:
        pair.kill()


def cluster_pids(pg_dir):
    """The postmaster of the private cluster and its children (backends, background workers)."""
    with open(os.path.join(pg_dir, "data", "postmaster.pid")) as f:
        root = int(f.readline())
    pids = [root]
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == root:
            pids.append(int(entry))
    return pids


def test_hung_database_fails_fast_and_recovers(csrd_bin, tmp_path, cluster, ossl):
    """A database that stops answering without closing anything (a frozen host, a partition):
    connections stay open and silent, so only csrd's own client-side timeouts bound the wait."""
    pg_dir, port = cluster
    pair = Pair(csrd_bin, tmp_path, pg_dir, port)
    a, b, p = pair.a, pair.b, pair.p
    pids = cluster_pids(pg_dir)
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            calls = [lambda: timed(lambda: a.request("GET", "/v3/scm/csr", token=p.token, timeout=60)),
                     lambda: timed(lambda: b.request("GET", "/v3/scm/csr", token=p.token, timeout=60)),
                     lambda: timed(lambda: ct.create(b, p.token, name="during-hang")),
                     lambda: timed(lambda: a.request("GET", "/ready", timeout=60))]
            results = [None] * len(calls)

            def run(i):
                results[i] = calls[i]()

            threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            for r in results:
                assert r is not None, "a request never returned"
                resp, took = r
                assert took < FAIL_FAST_S, f"{resp!r} took {took:.1f}s with the database hung"
                assert_scm_error(resp, 500, "SCM.0500")
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        pair.check_recovered(ossl)
    finally:
        pair.kill()
