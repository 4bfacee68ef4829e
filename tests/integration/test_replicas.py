"""Two csrd processes on one store (issue 5: stateless replicas behind a load balancer).

On PostgreSQL: two replicas on one database, the scale-out setup. On SQLite: two processes on one
data dir (one database file in WAL mode, one master.key), which the same Store contract covers
on one host — so the cross-process guarantees are checked on both stores."""
import json
import threading

import pytest

import csrdtest as ct
from aksk import sdk_date, signed_request
from csrdtest import assert_keystone_error, assert_scm_error

CRED = "/v3.0/OS-CREDENTIAL/credentials"
# Behind a load balancer every replica sees the same Host, so a signature is valid on any of them.
LB = {"Host": "csrd.lb.example.internal"}


def signed(srv, ak, sk, method, path, **kw):
    return signed_request(srv, ak, sk, method, path, extra=LB, **kw)


@pytest.fixture(scope="module")
def pair(csrd_bin, tmp_path_factory):
    a = ct.Csrd(str(tmp_path_factory.mktemp("replica-a")), binary=csrd_bin)
    a.start()
    b = ct.Csrd.replica_of(a, str(tmp_path_factory.mktemp("replica-b")))
    b.start()
    yield a, b
    for srv in (b, a):
        srv.stop()


@pytest.fixture
def acct(pair):
    """A new account per test (CSRs are counted per account), made through replica A."""
    a, _ = pair
    w = ct.World(a)
    name, _ = w.new_account("rep")
    w.name = name
    return w


def user(acct, roles=(ct.ROLE_FULL,)):
    return acct.new_user(acct.name, list(roles), "r")


def new_key(srv, p):
    r = srv.request("POST", CRED, token=p.token, js={"credential": {"user_id": p.user_id}})
    assert r.status == 201, r
    return r.json["credential"]


def run_together(*calls):
    """Runs the calls at the same instant on threads; returns their results in order."""
    start = threading.Barrier(len(calls))
    out = [None] * len(calls)

    def run(i, fn):
        start.wait()
        try:
            out[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported by the caller's assert
            out[i] = e

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def test_create_on_a_then_show_rename_export_delete_on_b(pair, acct, ossl):
    a, b = pair
    p = user(acct)
    made = {algo: ct.create_ok(a, p.token, name=f"rep-{algo}", private_key_algo=algo)
            for algo in ("EC_P256", "RSA_2048", "SM2")}
    for algo, obj in made.items():
        shown = ct.expect(b.request("GET", f"/v3/scm/csr/{obj['id']}", token=p.token), 200)
        assert shown == obj, f"{algo}: B shows something else than A created"

    ec = made["EC_P256"]
    renamed = ct.expect(b.request("PUT", f"/v3/scm/csr/{ec['id']}", js={"name": "renamed-on-b"},
                                  token=p.token), 200)
    on_a = ct.expect(a.request("GET", f"/v3/scm/csr/{ec['id']}", token=p.token), 200)
    assert on_a["name"] == "renamed-on-b" and on_a["update_time"] == renamed["update_time"]

    for algo, obj in made.items():
        pem = ct.expect(b.request("GET", f"/v3/scm/csr/{obj['id']}/private-key", token=p.token),
                        200)["private_key"]
        assert ossl.key_pubkey(pem) == ossl.csr_pubkey(obj["csr"]), f"{algo}: B exports another key"
        again = ct.expect(a.request("GET", f"/v3/scm/csr/{obj['id']}/private-key", token=p.token),
                          200)["private_key"]
        assert again == pem

    listed_b = ct.expect(b.request("GET", "/v3/scm/csr?limit=50", token=p.token), 200)
    assert listed_b["total"] == 3
    ct.expect(b.request("DELETE", f"/v3/scm/csr/{ec['id']}", token=p.token), 204)
    # Gone on A at once: no cache anywhere.
    assert_scm_error(a.request("GET", f"/v3/scm/csr/{ec['id']}", token=p.token), 400, "SCM.0707")
    assert_scm_error(a.request("GET", f"/v3/scm/csr/{ec['id']}/private-key", token=p.token), 400, "SCM.0707")
    listed_a = ct.expect(a.request("GET", "/v3/scm/csr?limit=50", token=p.token), 200)
    assert listed_a["total"] == 2 and ec["id"] not in [c["id"] for c in listed_a["csr_list"]]


def test_token_from_a_works_on_b_and_revocation_is_shared(pair, acct):
    a, b = pair
    p = user(acct)
    tok = a.token(p.account, p.user, p.password)
    ct.expect(b.request("GET", "/v3/scm/csr", token=tok), 200)
    v = b.request("GET", "/v3/auth/tokens", headers={"X-Auth-Token": tok, "X-Subject-Token": tok})
    assert v.status == 200, v
    ct.expect(b.request("DELETE", "/v3/auth/tokens", headers={"X-Auth-Token": p.token, "X-Subject-Token": tok}),
              204)
    assert_scm_error(a.request("GET", "/v3/scm/csr", token=tok), 401, "APIGW.0301")
    assert_scm_error(b.request("GET", "/v3/scm/csr", token=tok), 401, "APIGW.0301")
    # An admin command on the shared store reaches both at once.
    a.admin("disable-user", "--account", p.account, "--user", p.user)
    for srv in (a, b):
        assert_scm_error(srv.request("GET", "/v3/scm/csr", token=p.token), 401, "APIGW.0301")
        assert_keystone_error(srv.login(p.account, p.user, p.password), 401)


def test_disable_user_reaches_signed_requests_on_both(pair, acct):
    a, b = pair
    p = user(acct)
    key = new_key(a, p)
    ak, sk = key["access"], key["secret"]
    for srv in (a, b):
        ct.expect(signed(srv, ak, sk, "GET", "/v3/scm/csr"), 200)
    a.admin("disable-user", "--account", p.account, "--user", p.user)
    for srv in (a, b):
        assert_scm_error(signed(srv, ak, sk, "GET", "/v3/scm/csr"), 401, "APIGW.0301")


def test_aksk_from_a_signs_on_b(pair, acct):
    a, b = pair
    p = user(acct)
    key = new_key(a, p)
    ak, sk = key["access"], key["secret"]
    made = ct.expect(signed(b, ak, sk, "POST", "/v3/scm/csr", js=ct.csr_body(name="signed-b")), 201)
    ct.expect(signed(a, ak, sk, "GET", f"/v3/scm/csr/{made['id']}"), 200)
    # One-time signatures are shared: the private-key route takes a signature once, on any replica.
    date = sdk_date()
    path = f"/v3/scm/csr/{made['id']}/private-key"
    ct.expect(signed(a, ak, sk, "GET", path, date=date), 200)
    assert_scm_error(signed(b, ak, sk, "GET", path, date=date), 401, "APIGW.0301")
    # Deactivated on B: refused on A.
    r = b.request("PUT", f"{CRED}/{ak}", token=p.token, js={"credential": {"status": "inactive"}})
    assert r.status == 200, r
    assert_scm_error(signed(a, ak, sk, "GET", "/v3/scm/csr"), 401, "APIGW.0301")


def test_concurrent_deletes_of_one_csr(pair, acct):
    a, b = pair
    p = user(acct)
    for round_ in range(5):
        obj = ct.create_ok(a if round_ % 2 else b, p.token, name=f"race-{round_}")
        path = f"/v3/scm/csr/{obj['id']}"
        ra, rb = run_together(lambda: a.request("DELETE", path, token=p.token),
                              lambda: b.request("DELETE", path, token=p.token))
        assert isinstance(ra, ct.Resp) and isinstance(rb, ct.Resp), (ra, rb)
        winners = [r for r in (ra, rb) if r.status == 204]
        losers = [r for r in (ra, rb) if r.status != 204]
        assert len(winners) == 1, f"round {round_}: exactly one delete must win: {ra!r} {rb!r}"
        assert_scm_error(losers[0], 400, "SCM.0707")
        assert_scm_error(a.request("GET", path, token=p.token), 400, "SCM.0707")


def test_concurrent_creates_on_both_are_all_listed(pair, acct):
    a, b = pair
    p = user(acct)
    calls = [(lambda srv=srv, i=i: ct.create(srv, p.token, name=f"both-{i}"))
             for i, srv in enumerate([a, b] * 4)]
    rs = run_together(*calls)
    ids = set()
    for r in rs:
        assert isinstance(r, ct.Resp) and r.status == 201, r
        ids.add(r.json["id"])
    assert len(ids) == 8
    for srv in (a, b):
        j = ct.expect(srv.request("GET", "/v3/scm/csr?limit=50", token=p.token), 200)
        assert j["total"] == 8 and {c["id"] for c in j["csr_list"]} == ids


def test_ak_lockout_counts_across_replicas(pair, acct):
    a, b = pair
    p = user(acct)
    key = new_key(a, p)
    ak, sk = key["access"], key["secret"]
    bad = "z" * 40
    for srv in (a, a, a, b, b):
        assert_scm_error(signed(srv, ak, bad, "GET", "/v3/scm/csr"), 401, "APIGW.0301")
    # Five failures in all, from one address: locked on both, even with the right SK.
    for srv in (a, b):
        assert_scm_error(signed(srv, ak, sk, "GET", "/v3/scm/csr"), 401, "APIGW.0301")
    # The user's token is not affected.
    ct.expect(b.request("GET", "/v3/scm/csr", token=p.token), 200)


def test_login_lockout_counts_across_replicas(pair, acct):
    a, b = pair
    p = user(acct)
    for srv in (a, b, a, b, a):
        assert_keystone_error(srv.login(p.account, p.user, "Wrong-" + p.password), 401)
    for srv in (a, b):
        assert_keystone_error(srv.login(p.account, p.user, p.password), 401)


@pytest.mark.parametrize("bootstrap", ["env", "generated"])
def test_replicas_starting_together_on_a_new_store(csrd_bin, tmp_path, bootstrap):
    """Schema migrations, the master key record and the bootstrap admin happen once, however
    many replicas start at the same moment on an empty store."""
    pw = "Boot-together-123" if bootstrap == "env" else None
    first = ct.Csrd(str(tmp_path / "s0"), binary=csrd_bin, bootstrap_password=pw)
    servers = [first] + [ct.Csrd.replica_of(first, str(tmp_path / f"s{i}")) for i in (1, 2)]
    try:
        for srv in servers:
            srv.start(expect_ready=False)
        for srv in servers:
            srv.wait_ready()
        listed = json.loads(first.admin("list-users", "--json").stdout.decode())
        assert [(u["account"], u["name"]) for u in listed] == [("default", "admin")], listed
        if pw is None:
            # One generated password, in a file one of them named, and it logs in everywhere.
            named = [line for srv in servers for line in srv.log_text().splitlines()
                     if "generated password" in line]
            assert len(named) == 1, named
            path = named[0].split(" is in ", 1)[1].split(" (mode", 1)[0]
            with open(path) as f:
                pw = f.read().strip()
        for srv in servers:
            ct.expect(srv.login("default", "admin", pw), 201)
        tok = servers[1].token("default", "admin", pw)
        made = ct.create_ok(servers[2], tok)
        ct.expect(servers[0].request("GET", f"/v3/scm/csr/{made['id']}/private-key", token=tok), 200)
    finally:
        for srv in servers:
            srv.stop()
