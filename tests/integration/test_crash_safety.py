"""Crash safety (issue 7): kill -9 at random moments under concurrent writes, a full disk, and a
read-only data dir. The promise under test: a 201 means the CSR and its key are durable, a 204
means the CSR is gone for good, and a failed write never damages what is stored."""
import os
import random
import shutil
import sqlite3
import subprocess
import threading
import time

import pytest

import csrdtest as ct
from csrdtest import assert_scm_error

KILL_ROUNDS = 20
WRITERS = 4


def setup_user(srv):
    w = ct.World(srv)
    acct, _ = w.new_account("crash")
    return w.new_user(acct, [ct.ROLE_FULL])


class Ledger:
    """What the clients were told: ids answered 201, ids answered 204. Requests cut off by the
    kill (no response) promise nothing and are not recorded."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created = {}   # id -> CSR PEM
        self.deleted = set()
        self.in_doubt = set()  # deletes whose answer the kill swallowed
        self.unanswered = 0

    def deletable(self, rng):
        with self.lock:
            live = [i for i in self.created if i not in self.deleted and i not in self.in_doubt]
        return rng.choice(live) if live else None


def writer(srv, token, ledger, stop, seed):
    rng = random.Random(seed)
    while not stop.is_set():
        try:
            victim = ledger.deletable(rng) if rng.random() < 0.35 else None
            if victim:
                with ledger.lock:
                    ledger.in_doubt.add(victim)
                r = srv.request("DELETE", f"/v3/scm/csr/{victim}", token=token, timeout=10)
                with ledger.lock:
                    ledger.in_doubt.discard(victim)
                    if r.status == 204:
                        ledger.deleted.add(victim)
                continue
            algo = rng.choice(["EC_P256", "EC_P256", "EC_P384", "SM2"])
            r = srv.request("POST", "/v3/scm/csr", js=ct.csr_body(name=ct.unique("crash-"), private_key_algo=algo),
                            token=token, timeout=10)
            if r.status == 201:
                with ledger.lock:
                    ledger.created[r.json["id"]] = r.json["csr"]
        except OSError:
            # The kill cut this request off: whatever happened to it is allowed.
            with ledger.lock:
                ledger.unanswered += 1
            if stop.is_set():
                return
            time.sleep(0.01)


def sqlite_integrity(db_path):
    con = sqlite3.connect(db_path)
    try:
        return con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()


def test_kill9_under_concurrent_writes_loses_nothing_answered(fresh, ossl):
    srv = fresh().start()
    p = setup_user(srv)
    ledger = Ledger()
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    kills_mid_flight = 0
    for rnd in range(KILL_ROUNDS):
        if rnd:
            srv.start()
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(srv, p.token, ledger, stop, rng.random()))
                   for _ in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.15, 1.2))
        before = ledger.unanswered
        srv.kill9()
        stop.set()
        for t in threads:
            t.join(30)
            assert not t.is_alive(), "a client thread hung after the kill"
        kills_mid_flight += ledger.unanswered > before
        if not ct.on_postgres():
            db = os.path.join(srv.data_dir, "csrd.db")
            assert sqlite_integrity(db) == [("ok",)], f"round {rnd}: integrity_check failed"

    srv.start()
    assert len(ledger.created) >= KILL_ROUNDS, f"too few creates answered to mean anything: {len(ledger.created)}"
    assert kills_mid_flight >= KILL_ROUNDS // 2, "the kills rarely hit a request in flight"
    for csr_id, pem in ledger.created.items():
        r = srv.request("GET", f"/v3/scm/csr/{csr_id}", token=p.token)
        if csr_id in ledger.deleted:
            assert_scm_error(r, 400, "SCM.0707")
            continue
        if csr_id in ledger.in_doubt:
            assert r.status in (200, 400), r
            continue
        shown = ct.expect(r, 200)
        assert shown["csr"] == pem
        key = ct.expect(srv.request("GET", f"/v3/scm/csr/{csr_id}/private-key", token=p.token), 200)
        assert ossl.key_pubkey(key["private_key"]) == ossl.csr_pubkey(pem), f"{csr_id}: key does not match"
    # The list agrees with the per-id view: nothing answered 204 comes back, and no CSR
    # appears that no client was told about beyond those whose answer the kill swallowed.
    listed = set()
    offset = 0
    while True:
        page = ct.expect(srv.request("GET", f"/v3/scm/csr?limit=50&offset={offset}", token=p.token), 200)
        listed.update(c["id"] for c in page["csr_list"])
        offset += 50
        if offset >= page["total"]:
            break
    assert not (listed & ledger.deleted), "a CSR answered 204 came back"
    live = set(ledger.created) - ledger.deleted - ledger.in_doubt
    assert live <= listed
    assert len(listed - live) <= ledger.unanswered


# ------------------------------------------------------------------ full disk, read-only dir


def can_mount():
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_fs(tmp_path):
    """A 24 MiB tmpfs mounted for this test (root only)."""
    if ct.on_postgres():
        pytest.skip("the data dir holds no database on PostgreSQL; its disk is the database server's")
    if not can_mount():
        pytest.skip("needs root to mount a size-limited tmpfs")
    mnt = tmp_path / "fs"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(mnt)],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {r.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(path, leave_bytes):
    """Fills the filesystem of path until about leave_bytes remain; returns the filler file."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    filler = os.path.join(path, "filler")
    with open(filler, "wb") as f:
        remaining = max(0, free - leave_bytes)
        chunk = b"\0" * (1 << 20)
        while remaining > 0:
            n = min(len(chunk), remaining)
            try:
                f.write(chunk[:n])
                f.flush()
            except OSError:
                break
            remaining -= n
    return filler


def test_full_disk_answers_500_and_recovers(fresh, small_fs, ossl):
    data = small_fs / "data"
    srv = fresh(data_dir=str(data)).start()
    p = setup_user(srv)
    kept = [ct.create_ok(srv, p.token, name=f"kept-{i}", private_key_algo="EC_P256") for i in range(5)]
    filler = fill(str(small_fs), leave_bytes=0)

    statuses = []
    for i in range(200):
        r = srv.request("POST", "/v3/scm/csr", js=ct.csr_body(name=f"full-{i}", sans="a.example.com;" * 15),
                        token=p.token)
        statuses.append(r.status)
        if r.status == 500:
            assert_scm_error(r, 500, "SCM.0500")
            break
        assert r.status == 201, f"unexpected answer on a full disk: {r!r}"
    assert statuses[-1] == 500, f"the disk never filled: {len(statuses)} creates succeeded"
    assert srv.alive()
    # Reads keep working, and what was stored is intact.
    for c in kept:
        shown = ct.expect(srv.request("GET", f"/v3/scm/csr/{c['id']}", token=p.token), 200)
        assert shown["csr"] == c["csr"]
    # A rename and a delete on a full disk fail cleanly or succeed; never anything else.
    r = srv.request("PUT", f"/v3/scm/csr/{kept[0]['id']}", js={"name": "renamed-on-full"}, token=p.token)
    assert r.status in (200, 500), r
    if r.status == 500:
        assert_scm_error(r, 500, "SCM.0500")

    os.unlink(filler)
    # Space is back: the same process writes again without a restart.
    deadline = time.time() + 20
    while True:
        r = ct.create(srv, p.token, name="after-full", private_key_algo="EC_P256")
        if r.status == 201 or time.time() > deadline:
            break
        time.sleep(0.2)
    made = ct.expect(r, 201)
    key = ct.expect(srv.request("GET", f"/v3/scm/csr/{made['id']}/private-key", token=p.token), 200)
    assert ossl.key_pubkey(key["private_key"]) == ossl.csr_pubkey(made["csr"])
    for c in kept:
        key = ct.expect(srv.request("GET", f"/v3/scm/csr/{c['id']}/private-key", token=p.token), 200)
        assert ossl.key_pubkey(key["private_key"]) == ossl.csr_pubkey(c["csr"])
    assert srv.stop() == 0
    assert sqlite_integrity(str(data / "csrd.db")) == [("ok",)]


def test_read_only_data_dir_is_refused_at_start_and_nothing_is_lost(fresh, small_fs, ossl):
    """A data dir on a read-only mount: csrd refuses to start and says why; made writable
    again, it starts with everything intact. (A mount cannot turn read-only under a running
    server: Linux refuses the remount while files are open for writing; write errors that
    do reach a running server are the full-disk case above: 500 SCM.0500.)"""
    data = small_fs / "data"
    srv = fresh(data_dir=str(data)).start()
    p = setup_user(srv)
    kept = ct.create_ok(srv, p.token, name="kept", private_key_algo="SM2")
    assert srv.stop() == 0
    r = subprocess.run(["mount", "--bind", str(data), str(data)], capture_output=True)
    assert r.returncode == 0, r.stderr
    try:
        r = subprocess.run(["mount", "-o", "remount,bind,ro", str(data)], capture_output=True)
        assert r.returncode == 0, r.stderr
        srv.start(expect_ready=False)
        assert srv.proc.wait(30) == 1
        log = srv.log_text()
        assert f"data dir {data} is not writable: Read-only file system" in log, log[-2000:]
    finally:
        subprocess.run(["umount", str(data)], capture_output=True)
    srv.start()
    shown = ct.expect(srv.request("GET", f"/v3/scm/csr/{kept['id']}", token=p.token), 200)
    assert shown["csr"] == kept["csr"]
    key = ct.expect(srv.request("GET", f"/v3/scm/csr/{kept['id']}/private-key", token=p.token), 200)
    assert ossl.key_pubkey(key["private_key"]) == ossl.csr_pubkey(kept["csr"])
    assert srv.stop() == 0
    assert sqlite_integrity(str(data / "csrd.db")) == [("ok",)]
