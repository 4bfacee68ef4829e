"""`csrd admin migrate-store` (issue 5): a SQLite data dir copied into an empty store, then served
from there with the same master key: every CSR, key, user, token and AK/SK still works.

The source is always SQLite. The target is a fresh PostgreSQL database on the PostgreSQL run, and
a new SQLite file (`--to sqlite:PATH`) on the SQLite run, so the copy is checked on both."""
import os
import re
import subprocess

import pytest

import csrdtest as ct
from aksk import sdk_date, signed_request
from csrdtest import assert_keystone_error, assert_scm_error

CRED = "/v3.0/OS-CREDENTIAL/credentials"
STS = "/v3.0/OS-CREDENTIAL/securitytokens"
# The service's name as clients sign it, the same before and after the move.
HOST = {"Host": "csrd.example.internal"}


def migrate(binary, src_dir, to, check=True):
    p = subprocess.run([binary, "admin", "migrate-store", "--from-data-dir", src_dir, "--to", to],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600,
                       env={k: v for k, v in os.environ.items() if not k.startswith("CSRD_")})
    out, err = p.stdout.decode(), p.stderr.decode()
    if check:
        assert p.returncode == 0, f"migrate-store rc {p.returncode}\nstdout:\n{out}\nstderr:\n{err}"
    return p.returncode, out, err


def counts(out):
    """TABLE -> (source, skipped, target, check) from migrate-store's table."""
    rows = {}
    for line in out.splitlines():
        m = re.match(r"^(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)), m.group(5))
    return rows


def target_for(tmp_path):
    """(--to value, kwargs for the Csrd serving the target)."""
    if ct.on_postgres():
        url = ct.pg_createdb()
        return url, dict(backend="postgres", database=url)
    d = tmp_path / "target-data"
    d.mkdir(mode=0o700)
    return f"sqlite:{d}/csrd.db", dict(backend="sqlite", data_dir=str(d))


@pytest.fixture
def populated(csrd_bin, tmp_path, ossl):
    """A stopped SQLite csrd holding every kind of row, and what the tests expect of it."""
    src = ct.Csrd(str(tmp_path / "source"), binary=csrd_bin, backend="sqlite")
    src.start()
    w = ct.World(src)
    acct, _ = w.new_account("mig")
    other, _ = w.new_account("mig2")
    p = w.new_user(acct, [ct.ROLE_FULL], "m")
    ro = w.new_user(acct, [ct.ROLE_RO], "ro")
    q = w.new_user(other, [ct.ROLE_FULL], "q")
    disabled = w.new_user(other, [ct.ROLE_FULL], "d")
    src.admin("disable-user", "--account", disabled.account, "--user", disabled.user)

    csrs = {algo: ct.create_ok(src, p.token, name=f"mig-{algo}", private_key_algo=algo, **ct.ENTERPRISE)
            for algo in ct.ALGOS}
    up_key = ossl.genkey("RSA_2048", "pkcs1")
    up_csr = ossl.make_csr(up_key, "/O=Mig/CN=up.mig.example.com")
    up = ct.expect(src.request("POST", "/v3/scm/csr/upload", js={"name": "up", "csr": up_csr,
                                                                  "private_key": up_key}, token=p.token), 200)
    nokey = ct.expect(src.request("POST", "/v3/scm/csr/upload", js={"name": "nokey", "csr": up_csr},
                                  token=p.token), 200)
    ct.expect(src.request("PUT", f"/v3/scm/csr/{csrs['SM2']['id']}", js={"name": "renamed"}, token=p.token), 200)
    gone = ct.create_ok(src, p.token, name="gone")
    ct.expect(src.request("DELETE", f"/v3/scm/csr/{gone['id']}", token=p.token), 204)
    other_csr = ct.create_ok(src, q.token, name="other-account")

    keys = {}
    for obj in list(csrs.values()) + [up]:
        keys[obj["id"]] = ct.expect(src.request("GET", f"/v3/scm/csr/{obj['id']}/private-key", token=p.token),
                                    200)["private_key"]

    revoked = src.token(p.account, p.user, p.password)
    ct.expect(src.request("DELETE", "/v3/auth/tokens", headers={"X-Auth-Token": p.token,
                                                                 "X-Subject-Token": revoked}), 204)
    r = src.request("POST", CRED, token=p.token, js={"credential": {"user_id": p.user_id, "description": "mig"}})
    assert r.status == 201, r
    aksk = r.json["credential"]
    r = src.request("POST", CRED, token=p.token, js={"credential": {"user_id": p.user_id}})
    assert r.status == 201, r
    inactive = r.json["credential"]
    ct.expect(src.request("PUT", f"{CRED}/{inactive['access']}", token=p.token,
                          js={"credential": {"status": "inactive"}}), 200)
    r = src.request("POST", STS, token=p.token,
                    js={"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 900}}}})
    assert r.status == 201, r
    temp = r.json["credential"]
    ct.expect(src.request("GET", "/v3/projects?name=cn-north-4", token=p.token), 200)
    # A signature used once on the private-key route: its replay must stay refused after the move.
    date = sdk_date()
    once_path = f"/v3/scm/csr/{csrs['EC_P256']['id']}/private-key"
    ct.expect(signed_request(src, aksk["access"], aksk["secret"], "GET", once_path, date=date, extra=HOST), 200)
    shown = {c["id"]: ct.expect(src.request("GET", f"/v3/scm/csr/{c['id']}", token=p.token), 200)
             for c in ct.expect(src.request("GET", "/v3/scm/csr?limit=50", token=p.token), 200)["csr_list"]}
    assert src.stop() == 0

    with open(os.path.join(src.data_dir, "master.key")) as f:
        master_key = f.read().strip()
    return dict(src=src, p=p, ro=ro, q=q, disabled=disabled, csrs=csrs, up=up, nokey=nokey, gone=gone,
                other_csr=other_csr, keys=keys, shown=shown, revoked=revoked, aksk=aksk, inactive=inactive,
                temp=temp, once=(once_path, date), master_key=master_key)


def test_migrate_store_then_serve(csrd_bin, tmp_path, populated, ossl):
    d = populated
    src = d["src"]
    to, target_kw = target_for(tmp_path)
    _, out, _ = migrate(csrd_bin, src.data_dir, to)
    rows = counts(out)
    for table in ("accounts", "users", "projects", "tokens", "credentials", "csrs", "audit_events",
                  "one_time_keys", "meta"):
        assert table in rows, f"no count for {table} in:\n{out}"
        source, skipped, target, check = rows[table]
        assert check == "ok" and target == source - skipped, f"{table}: {rows[table]}\n{out}"
    assert rows["csrs"][0] == 6 + 2 + 1, rows["csrs"]
    assert rows["accounts"][0] == 3 and rows["users"][0] == 5, rows  # default/admin included
    assert rows["credentials"][2] == 3 and rows["tokens"][0] >= 5, rows
    # meta holds at least the master key record (id and check value in one row).
    assert rows["audit_events"][0] >= 7 and rows["meta"][2] >= 1, rows

    # Again: the target is no longer empty, so it is refused and left alone.
    rc, out2, err2 = migrate(csrd_bin, src.data_dir, to, check=False)
    assert rc != 0 and "not empty" in err2, (rc, out2, err2)

    dst = ct.Csrd(str(tmp_path / "served"), binary=csrd_bin, master_key=d["master_key"],
                  bootstrap_password=None, **target_kw)
    dst.start()
    try:
        p = d["p"]
        ct.expect(dst.request("GET", "/v3/scm/csr", token=p.token), 200)  # the old token works
        listed = ct.expect(dst.request("GET", "/v3/scm/csr?limit=50", token=p.token), 200)
        assert listed["total"] == len(d["shown"]) == 8
        for cid, before in d["shown"].items():
            after = ct.expect(dst.request("GET", f"/v3/scm/csr/{cid}", token=p.token), 200)
            assert after == before, f"CSR {cid} changed in the move"
        for algo, obj in d["csrs"].items():
            pem = ct.expect(dst.request("GET", f"/v3/scm/csr/{obj['id']}/private-key", token=p.token),
                            200)["private_key"]
            assert pem == d["keys"][obj["id"]], f"{algo}: the exported key changed"
            assert ossl.key_pubkey(pem) == ossl.csr_pubkey(obj["csr"]), f"{algo}: key does not match its CSR"
        pem = ct.expect(dst.request("GET", f"/v3/scm/csr/{d['up']['id']}/private-key", token=p.token),
                        200)["private_key"]
        assert pem == d["keys"][d["up"]["id"]]
        assert_scm_error(dst.request("GET", f"/v3/scm/csr/{d['nokey']['id']}/private-key", token=p.token),
                         400, "SCM.0010")
        assert_scm_error(dst.request("GET", f"/v3/scm/csr/{d['gone']['id']}", token=p.token), 400, "SCM.0707")
        # Accounts stay apart.
        q = d["q"]
        assert_scm_error(dst.request("GET", f"/v3/scm/csr/{d['other_csr']['id']}", token=p.token), 400, "SCM.0707")
        ct.expect(dst.request("GET", f"/v3/scm/csr/{d['other_csr']['id']}", token=q.token), 200)

        # Identity: passwords, roles, revocation, disabled users, bootstrap admin.
        assert_scm_error(dst.request("GET", "/v3/scm/csr", token=d["revoked"]), 401, "APIGW.0301")
        ct.expect(dst.login(p.account, p.user, p.password), 201)
        ro = d["ro"]
        ro_tok = dst.token(ro.account, ro.user, ro.password)
        ct.expect(dst.request("GET", "/v3/scm/csr", token=ro_tok), 200)
        assert_scm_error(ct.create(dst, ro_tok), 403, "APIGW.0302")
        assert_keystone_error(dst.login(d["disabled"].account, d["disabled"].user, d["disabled"].password), 401)
        ct.expect(dst.login("default", "admin", src.bootstrap_password), 201)

        # AK/SK: permanent keys sign, the inactive one stays inactive, the temporary one works
        # with its security token, and the used one-time signature is still spent.
        ak = d["aksk"]
        ct.expect(signed_request(dst, ak["access"], ak["secret"], "GET", "/v3/scm/csr"), 200)
        ina = d["inactive"]
        assert_scm_error(signed_request(dst, ina["access"], ina["secret"], "GET", "/v3/scm/csr"), 401, "APIGW.0301")
        t = d["temp"]
        ct.expect(signed_request(dst, t["access"], t["secret"], "GET", "/v3/scm/csr",
                                 security_token=t["securitytoken"]), 200)
        path, date = d["once"]
        assert_scm_error(signed_request(dst, ak["access"], ak["secret"], "GET", path, date=date, extra=HOST),
                     401, "APIGW.0301")
        keys = ct.expect(dst.request("GET", CRED, token=p.token), 200)["credentials"]
        assert sorted(k["access"] for k in keys) == sorted([ak["access"], ina["access"]])
        r = dst.request("GET", "/v3/projects", token=p.token)
        assert r.status == 200 and "cn-north-4" in [x["name"] for x in r.json["projects"]], r

        # The moved store keeps working for writes.
        made = ct.create_ok(dst, p.token, name="after-move")
        ct.expect(dst.request("DELETE", f"/v3/scm/csr/{made['id']}", token=p.token), 204)
        assert dst.stop() == 0
    finally:
        if dst.alive():
            dst.kill9()


def test_migrate_store_refuses_a_wrong_source_or_target(csrd_bin, tmp_path):
    to, _ = target_for(tmp_path)
    rc, _, err = migrate(csrd_bin, str(tmp_path / "nowhere"), to, check=False)
    assert rc != 0 and "no database" in err, err
    # A target that is not empty (here: one a csrd already runs on) is refused untouched.
    srv = ct.Csrd(str(tmp_path / "busy"), binary=csrd_bin)
    srv.start()
    srv.stop()
    src = ct.Csrd(str(tmp_path / "src"), binary=csrd_bin, backend="sqlite")
    src.start()
    src.stop()
    busy = srv.database if srv.database else f"sqlite:{srv.data_dir}/csrd.db"
    rc, _, err = migrate(csrd_bin, src.data_dir, busy, check=False)
    assert rc != 0 and "not empty" in err, err
    rc, _, err = migrate(csrd_bin, src.data_dir, f"sqlite:{src.data_dir}/csrd.db", check=False)
    assert rc != 0, err
    srv.start()  # and the refused target still serves
    srv.token("default", "admin", srv.bootstrap_password)
    srv.stop()
