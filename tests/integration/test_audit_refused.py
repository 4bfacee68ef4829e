"""Contract §5: "the audit record is committed before the key is sent (if it cannot be, 500 and
no key)", and the same for CSR changes, whose audit row shares the change's transaction.

The store is made to refuse audit rows from outside, the way a real failure would look to csrd:
a trigger on audit_events (SQLite through the sqlite3 module on the live WAL database; PostgreSQL
through psql on the server's database) aborts inserts of one action.
"""
import concurrent.futures
import sqlite3
import subprocess
import threading

import pytest

import csrdtest as ct

TRIGGER = "csrd_test_refuse_audit"


def install_refusal(srv, action):
    if ct.on_postgres():
        sql = (f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               f"IF NEW.action = '{action}' THEN RAISE EXCEPTION 'audit refused by test'; END IF; "
               f"RETURN NEW; END $$; "
               f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON audit_events FOR EACH ROW "
               f"EXECUTE FUNCTION {TRIGGER}();")
        psql(srv, sql)
    else:
        with sqlite3.connect(db_file(srv), timeout=30) as con:
            con.execute(f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON audit_events "
                        f"WHEN NEW.action = '{action}' BEGIN SELECT RAISE(ABORT, 'audit refused by test'); END")


def remove_refusal(srv):
    if ct.on_postgres():
        psql(srv, f"DROP TRIGGER {TRIGGER} ON audit_events; DROP FUNCTION {TRIGGER}();")
    else:
        with sqlite3.connect(db_file(srv), timeout=30) as con:
            con.execute(f"DROP TRIGGER {TRIGGER}")


def psql(srv, sql):
    p = subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", srv.database, "-c", sql],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 0, p.stderr.decode()


def db_file(srv):
    return f"{srv.data_dir}/csrd.db"


@pytest.fixture
def srv(tmp_path, csrd_bin):
    s = ct.Csrd(str(tmp_path), binary=csrd_bin, extra_args=["--key-pool-threads", "0"])
    s.start()
    yield s
    s.stop()


def names(srv, token):
    j = ct.expect(srv.request("GET", "/v3/scm/csr?limit=50", token=token), 200)
    return {c["name"]: c for c in j["csr_list"]}


def test_key_export_without_its_audit_row_is_500_and_sends_no_key(srv, ossl):
    w = ct.World(srv)
    account, _ = w.new_account("auditref")
    u = w.new_user(account, [ct.ROLE_FULL], "al")
    body = ct.csr_body(private_key_algo="EC_P256")
    cid = ct.expect(srv.request("POST", "/v3/scm/csr", js=body, token=u.token), 201)["id"]

    install_refusal(srv, "scm::getCsrPrivateKey")
    r = srv.request("GET", f"/v3/scm/csr/{cid}/private-key", token=u.token)
    ct.assert_scm_error(r, 500, "SCM.0500")
    assert b"PRIVATE KEY" not in r.body and b"private_key" not in r.body, r
    # Not counted either: the count and the audit row are one transaction.
    shown = ct.expect(srv.request("GET", f"/v3/scm/csr/{cid}", token=u.token), 200)
    assert shown["export_count"] == 0, shown

    remove_refusal(srv)
    r = srv.request("GET", f"/v3/scm/csr/{cid}/private-key", token=u.token)
    pem = ct.expect(r, 200)["private_key"]
    shown = ct.expect(srv.request("GET", f"/v3/scm/csr/{cid}", token=u.token), 200)
    assert shown["export_count"] == 1, shown
    assert ossl.key_pubkey(pem) == ossl.csr_pubkey(shown["csr"])


@pytest.mark.parametrize("action", ["scm::createCsr", "scm::uploadCsr", "scm::updateCsr",
                                    "scm::deleteCsr"])
def test_a_change_whose_audit_row_is_refused_does_not_happen(srv, action, ossl):
    w = ct.World(srv)
    account, _ = w.new_account("auditref")
    u = w.new_user(account, [ct.ROLE_FULL], "al")
    keep = ct.expect(srv.request("POST", "/v3/scm/csr", js=ct.csr_body(name="keep"), token=u.token), 201)
    before = names(srv, u.token)

    install_refusal(srv, action)
    if action == "scm::createCsr":
        r = srv.request("POST", "/v3/scm/csr", js=ct.csr_body(name="refused"), token=u.token)
    elif action == "scm::uploadCsr":
        csr_pem = ossl.make_csr(ossl.genkey("EC_P256"), "/CN=upload.example.com")
        r = srv.request("POST", "/v3/scm/csr/upload", js={"name": "refused", "csr": csr_pem}, token=u.token)
    elif action == "scm::updateCsr":
        r = srv.request("PUT", f"/v3/scm/csr/{keep['id']}", js={"name": "renamed"}, token=u.token)
    else:
        r = srv.request("DELETE", f"/v3/scm/csr/{keep['id']}", token=u.token)
    ct.assert_scm_error(r, 500, "SCM.0500")
    assert names(srv, u.token).keys() == before.keys(), "a change without its audit row must not stay"

    remove_refusal(srv)
    shown = ct.expect(srv.request("GET", f"/v3/scm/csr/{keep['id']}", token=u.token), 200)
    assert shown["name"] == "keep"
    # The store took no harm: with the refusal gone, the same change goes through.
    if action == "scm::updateCsr":
        ct.expect(srv.request("PUT", f"/v3/scm/csr/{keep['id']}", js={"name": "renamed"}, token=u.token), 200)
        assert "renamed" in names(srv, u.token)


def test_a_refused_write_fails_alone_among_concurrent_writes(tmp_path, csrd_bin):
    """Writes share transactions (SQLite group commit): a write whose audit row is refused must
    fail alone, not take the creates committed with it down. Eight creates and two refused
    deletes at once: every create 201 and kept (also across a restart), both deletes 500 and
    their CSRs still there."""
    # No pool and room for all eight key generations at once: no 429 in the way.
    s = ct.Csrd(str(tmp_path), binary=csrd_bin,
                extra_args=["--key-pool-threads", "0", "--max-pending-keygens", "16", "--workers", "12"])
    s.start()
    try:
        w = ct.World(s)
        account, _ = w.new_account("gcrefused")
        u = w.new_user(account, [ct.ROLE_FULL], "al")
        doomed = [ct.expect(s.request("POST", "/v3/scm/csr", js=ct.csr_body(name=f"doomed-{i}"), token=u.token),
                            201)["id"] for i in range(2)]
        install_refusal(s, "scm::deleteCsr")

        start = threading.Barrier(10)

        def create(i):
            start.wait()
            return s.request("POST", "/v3/scm/csr", js=ct.csr_body(name=f"burst-{i}", private_key_algo="EC_P256"),
                             token=u.token)

        def delete(cid):
            start.wait()
            return s.request("DELETE", f"/v3/scm/csr/{cid}", token=u.token)

        with concurrent.futures.ThreadPoolExecutor(10) as ex:
            creates = [ex.submit(create, i) for i in range(8)]
            deletes = [ex.submit(delete, cid) for cid in doomed]
            made = [f.result() for f in creates]
            refused = [f.result() for f in deletes]
        assert [r.status for r in made] == [201] * 8, made
        for r in refused:
            ct.assert_scm_error(r, 500, "SCM.0500")
        want = {f"burst-{i}" for i in range(8)} | {f"doomed-{i}" for i in range(2)}
        assert names(s, u.token).keys() == want

        s.stop()
        s.start()
        u.relogin()
        kept = names(s, u.token)
        assert kept.keys() == want, "after a restart"
        assert {kept[f"burst-{i}"]["id"] for i in range(8)} == {r.json["id"] for r in made}
        remove_refusal(s)
    finally:
        s.stop()
