"""Races on one CSR (issue 7): concurrent requests on the same row give one consistent outcome,
never a 500, a half-deleted row or a key handed out for a CSR the caller was told is gone."""
import threading

import csrdtest as ct
from csrdtest import assert_scm_error

ROUNDS = 15


def run_together(*calls):
    """Runs the calls at once (released by one barrier); returns their results in order."""
    barrier = threading.Barrier(len(calls))
    out = [None] * len(calls)

    def go(i, fn):
        barrier.wait()
        out[i] = fn()

    threads = [threading.Thread(target=go, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_delete_vs_export_vs_rename(server, world, ossl):
    p = world.acme_full
    srv = server
    exported = 0
    for i in range(ROUNDS):
        c = ct.create_ok(srv, p.token, name=f"race-{i}", private_key_algo="EC_P256")
        cid = c["id"]
        d, e, r = run_together(
            lambda: srv.request("DELETE", f"/v3/scm/csr/{cid}", token=p.token),
            lambda: srv.request("GET", f"/v3/scm/csr/{cid}/private-key", token=p.token),
            lambda: srv.request("PUT", f"/v3/scm/csr/{cid}", js={"name": f"renamed-{i}"}, token=p.token))
        assert d.status == 204, d
        if e.status == 200:
            exported += 1
            assert ossl.key_pubkey(e.json["private_key"]) == ossl.csr_pubkey(c["csr"])
        else:
            assert_scm_error(e, 400, "SCM.0707")
        if r.status == 200:
            assert r.json["name"] == f"renamed-{i}"
        else:
            assert_scm_error(r, 400, "SCM.0707")
        # Whatever the interleaving, the row is gone now, for every route.
        assert_scm_error(srv.request("GET", f"/v3/scm/csr/{cid}", token=p.token), 400, "SCM.0707")
        assert_scm_error(srv.request("GET", f"/v3/scm/csr/{cid}/private-key", token=p.token), 400, "SCM.0707")
    # Not asserted (scheduling decides), only reported: how often the export won.
    print(f"export won {exported}/{ROUNDS} races")


def test_concurrent_exports_count_every_one(server, world):
    p = world.acme_full
    c = ct.create_ok(server, p.token, name="race-count", private_key_algo="EC_P256")
    n = 8
    results = run_together(*[lambda: server.request("GET", f"/v3/scm/csr/{c['id']}/private-key", token=p.token)
                             for _ in range(n)])
    assert [r.status for r in results] == [200] * n
    shown = ct.expect(server.request("GET", f"/v3/scm/csr/{c['id']}", token=p.token), 200)
    assert shown["export_count"] == n
    assert shown["update_time"] == c["update_time"]


def test_concurrent_renames_leave_one_of_the_names(server, world):
    p = world.acme_full
    c = ct.create_ok(server, p.token, name="race-rename", private_key_algo="EC_P256")
    names = [f"name-{i}" for i in range(6)]
    results = run_together(*[(lambda nm=nm: server.request("PUT", f"/v3/scm/csr/{c['id']}", js={"name": nm},
                                                          token=p.token)) for nm in names])
    assert [r.status for r in results] == [200] * len(names)
    shown = ct.expect(server.request("GET", f"/v3/scm/csr/{c['id']}", token=p.token), 200)
    assert shown["name"] in names
