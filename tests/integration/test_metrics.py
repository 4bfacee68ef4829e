"""GET /metrics (shared definitions): the Prometheus text format 0.0.4, counters that move by
exactly the traffic sent, key-pool gauges, labels free of callers and resources, and a body that
`promtool check metrics` accepts without a single complaint."""
import re
import shutil
import subprocess

import pytest

import csrdtest as ct
from aksk import signed_request

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
FAMILIES = {
    "csrd_http_requests_total": "counter",
    "csrd_http_request_duration_seconds": "histogram",
    "csrd_http_rejected_total": "counter",
    "csrd_csr_created_total": "counter",
    "csrd_private_key_exports_total": "counter",
    "csrd_key_pool_depth": "gauge",
    "csrd_key_pool_target": "gauge",
    "csrd_key_pool_generated_total": "counter",
    "csrd_key_pool_hits_total": "counter",
    "csrd_key_pool_misses_total": "counter",
    "csrd_db_operation_duration_seconds": "histogram",
    "csrd_auth_failures_total": "counter",
}
DEFAULT_DEPTHS = {"RSA_2048": 32, "RSA_3072": 16, "RSA_4096": 16, "EC_P256": 256, "EC_P384": 64, "SM2": 256}


def parse(text):
    """(samples {(name, frozenset(labels)): float}, types {name: type}); asserts that every line
    is a HELP, a TYPE or a well-formed sample of a declared family."""
    samples, types, helps = {}, {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.add(line.split(" ")[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            types[name] = typ
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels_text, value = m.groups()
        labels = {}
        if labels_text:
            pos = 0
            while pos < len(labels_text):
                lm = LABEL.match(labels_text, pos)
                assert lm, f"bad labels in {line!r}"
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        base = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert base in types and base in helps, f"sample {name} of an undeclared family: {line!r}"
        key = (name, frozenset(labels.items()))
        assert key not in samples, f"duplicate series {line!r}"
        samples[key] = float(value)
    return samples, types


def val(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def series(samples, name):
    return {k[1]: v for k, v in samples.items() if k[0] == name}


def scrape(srv):
    r = srv.request("GET", "/metrics")
    assert r.status == 200, r
    assert r.headers.get("Content-Type") == CONTENT_TYPE, r.headers.get("Content-Type")
    text = r.body.decode("utf-8")
    return text, *parse(text)


def promtool_check(text):
    """`promtool check metrics` on text: (returncode, everything it printed)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool not found (Debian package prometheus; scripts/install-deps.sh installs it)")
    p = subprocess.run([promtool, "check", "metrics"], input=text.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace").strip()


@pytest.fixture(scope="module")
def msrv(csrd_bin, tmp_path_factory):
    """A server of this module's own, so that nothing else moves its counters."""
    srv = ct.Csrd(str(tmp_path_factory.mktemp("metrics")), binary=csrd_bin)
    srv.start()
    w = ct.World(srv)
    acct, acct_id = w.new_account("metrics")
    srv.full = w.new_user(acct, [ct.ROLE_FULL], "mfull")
    srv.ro = w.new_user(acct, [ct.ROLE_RO], "mro")
    r = srv.request("POST", "/v3.0/OS-CREDENTIAL/credentials", token=srv.full.token,
                    js={"credential": {"user_id": srv.full.user_id}})
    srv.key = ct.expect(r, 201)["credential"]
    yield srv
    srv.stop()


def test_counters_move_by_the_traffic(msrv, ossl):
    _, before, types = scrape(msrv)
    for name, typ in FAMILIES.items():
        assert types.get(name) == typ, f"{name} must be a {typ}, /metrics says {types.get(name)}"

    key = msrv.key
    made = signed_request(msrv, key["access"], key["secret"], "POST", "/v3/scm/csr",
                          js=ct.csr_body(private_key_algo="EC_P256"))
    cid = ct.expect(made, 201)["id"]
    ct.expect(msrv.request("GET", "/v3/scm/csr?limit=10", token=msrv.full.token), 200)
    ct.assert_scm_error(msrv.request("GET", "/v3/scm/csr"), 401, "APIGW.0301")
    ct.assert_scm_error(msrv.request("GET", f"/v3/scm/nothing/{cid}"), 404, "APIGW.0101")
    ct.expect(msrv.request("GET", f"/v3/scm/csr/{cid}/private-key", token=msrv.full.token), 200)
    pem = ossl.make_csr(ossl.genkey("EC_P256"), "/CN=up.example.com")
    ct.expect(msrv.request("POST", "/v3/scm/csr/upload", js={"name": "up", "csr": pem},
                           token=msrv.full.token), 200)

    text, after, _ = scrape(msrv)

    def delta(name, **labels):
        return val(after, name, **labels) - val(before, name, **labels)

    req = "csrd_http_requests_total"
    assert delta(req, route="/v3/scm/csr", method="POST", status="201") == 1
    assert delta(req, route="/v3/scm/csr", method="GET", status="200") == 1
    assert delta(req, route="/v3/scm/csr", method="GET", status="401") == 1
    assert delta(req, route="unmatched", method="GET", status="404") == 1
    assert delta(req, route="/v3/scm/csr/{id}/private-key", method="GET", status="200") == 1
    assert delta(req, route="/v3/scm/csr/upload", method="POST", status="200") == 1
    # The first scrape is counted once it is answered, so the second one sees it.
    assert delta(req, route="/metrics", method="GET", status="200") == 1
    assert delta("csrd_http_request_duration_seconds_count", route="/v3/scm/csr", method="POST") == 1
    assert delta("csrd_http_request_duration_seconds_bucket", route="/v3/scm/csr", method="POST",
                 le="+Inf") == 1
    assert delta("csrd_csr_created_total", algorithm="EC_P256", source="generated") == 1
    assert delta("csrd_csr_created_total", algorithm="EC_P256", source="uploaded") == 1
    assert sum(v for v in series(after, "csrd_csr_created_total").values()) == 2
    assert delta("csrd_private_key_exports_total") == 1
    assert delta("csrd_auth_failures_total", reason="missing") == 1
    assert sum(series(after, "csrd_auth_failures_total").values()) == 1
    assert delta("csrd_db_operation_duration_seconds_count", operation="insert_csr") == 2
    assert delta("csrd_db_operation_duration_seconds_count", operation="record_key_export") == 1
    assert val(after, "csrd_db_operation_duration_seconds_sum", operation="insert_csr") > 0
    taken = (delta("csrd_key_pool_hits_total", algorithm="EC_P256")
             + delta("csrd_key_pool_misses_total", algorithm="EC_P256"))
    assert taken == 1, "the create took one EC_P256 key from the pool or inline"

    # Key-pool gauges: one series per algorithm, at the default depths.
    for algo, depth in DEFAULT_DEPTHS.items():
        assert val(after, "csrd_key_pool_target", algorithm=algo) == depth, algo
        assert 0 <= val(after, "csrd_key_pool_depth", algorithm=algo) <= depth, algo
        assert ("csrd_key_pool_generated_total", frozenset({("algorithm", algo)})) in after
    assert len(series(after, "csrd_key_pool_depth")) == 6

    # No caller, key, resource or credential ever becomes a label.
    for ident in (cid, msrv.full.account_id, msrv.full.user_id, msrv.full.user, msrv.full.account,
                  key["access"], key["secret"], msrv.full.token):
        assert ident not in text, f"{ident!r} appears on /metrics"
    routes = {dict(k[1]).get("route") for k in after if k[0] == req}
    assert routes <= {"unmatched"} | {r for r in ROUTE_TEMPLATES}, routes

    rc, out = promtool_check(text)
    assert rc == 0 and out == "", f"promtool check metrics: rc {rc}\n{out}"


ROUTE_TEMPLATES = ["/v3/scm/csr", "/v3/scm/csr/{id}", "/v3/scm/csr/{id}/private-key", "/v3/scm/csr/upload",
                   "/v3/auth/tokens", "/health", "/ready", "/metrics", "/openapi.json",
                   "/v3.0/OS-CREDENTIAL/credentials", "/v3.0/OS-CREDENTIAL/credentials/{access}",
                   "/v3.0/OS-CREDENTIAL/securitytokens", "/v3/auth/domains", "/v3/projects",
                   "/v3/auth/catalog", "/v3/scm/audit-events"]


def test_group_commit_counters_exist_and_move_on_sqlite_only(msrv):
    """csrd_db_write_{transactions,units}_total are counters on SQLite that move with writes
    (units >= writes, 1 <= transactions <= units); PostgreSQL has no group commit and no such
    series."""
    names = ("csrd_db_write_transactions_total", "csrd_db_write_units_total")
    text, before, types = scrape(msrv)
    if ct.BACKEND != "sqlite":
        for name in names:
            assert name not in types and name not in text, f"{name} on {ct.BACKEND}"
        return
    for name in names:
        assert types.get(name) == "counter", name
    for i in range(3):
        ct.expect(msrv.request("POST", "/v3/scm/csr", js=ct.csr_body(name=f"gc-{i}", private_key_algo="EC_P256"),
                               token=msrv.full.token), 201)
    _, after, _ = scrape(msrv)
    units = val(after, "csrd_db_write_units_total") - val(before, "csrd_db_write_units_total")
    txns = (val(after, "csrd_db_write_transactions_total")
            - val(before, "csrd_db_write_transactions_total"))
    assert units >= 3 and 1 <= txns <= units, (units, txns)


def test_auth_failures_by_reason(msrv):
    _, before, _ = scrape(msrv)
    key = msrv.key
    f = msrv.full
    signed_request(msrv, key["access"], "W" * 40, "GET", "/v3/scm/csr")                  # bad_signature
    signed_request(msrv, "NOSUCHKEY00000000000", key["secret"], "GET", "/v3/scm/csr")   # unknown_ak
    msrv.request("GET", "/v3/scm/csr", token="x" * 40)                                  # bad_token
    msrv.request("GET", "/v3/scm/csr", token=f.token,
                 headers={"X-Domain-Id": "0" * 32})                                     # domain_mismatch
    msrv.request("POST", "/v3/scm/csr", js=ct.csr_body(), token=msrv.ro.token)          # forbidden
    msrv.login(f.account, f.user, "wrong-" + f.password)                                # bad_password
    _, after, _ = scrape(msrv)
    expected = {"bad_signature": 1, "unknown_ak": 1, "bad_token": 1, "domain_mismatch": 1,
                "forbidden": 1, "bad_password": 1}
    seen = {dict(k)["reason"] for k in series(after, "csrd_auth_failures_total")}
    for reason in sorted(seen | set(expected)):
        d = val(after, "csrd_auth_failures_total", reason=reason) - val(before, "csrd_auth_failures_total",
                                                                        reason=reason)
        assert d == expected.get(reason, 0), f"reason {reason}: moved by {d}"


def test_probes_counted_but_not_access_logged(msrv):
    _, before, _ = scrape(msrv)
    for _ in range(3):
        ct.expect(msrv.request("GET", "/health"), 200)
    ct.expect(msrv.request("GET", "/ready"), 200)
    _, after, _ = scrape(msrv)
    req = "csrd_http_requests_total"
    assert val(after, req, route="/health", method="GET", status="200") - \
        val(before, req, route="/health", method="GET", status="200") == 3
    assert val(after, req, route="/ready", method="GET", status="200") - \
        val(before, req, route="/ready", method="GET", status="200") == 1
    logged = [ln for ln in msrv.log_text().splitlines() if '"msg":"access"' in ln]
    assert logged, "the access log is empty"
    assert not [ln for ln in logged if '"route":"/health"' in ln or '"route":"/metrics"' in ln
                or '"route":"/ready"' in ln], "successful probes must stay out of the access log"


def test_promtool_accepts_a_busy_body(msrv, ossl):
    """After traffic on many routes and statuses (and odd methods), the body still lints clean."""
    f = msrv.full
    for method in ("PATCH", "OPTIONS", "BREW"):
        msrv.request(method, "/v3/scm/csr", token=f.token)
    msrv.request("GET", "/v3/projects?name=cn-north-4", token=f.token)
    msrv.request("GET", "/v3/auth/tokens", token=f.token, headers={"X-Subject-Token": f.token})
    msrv.request("DELETE", "/v3/scm/csr/" + "0" * 32, token=f.token)
    msrv.request("POST", "/v3/scm/csr", body=b"{not json", token=f.token)
    text, samples, _ = scrape(msrv)
    assert val(samples, "csrd_http_requests_total", route="unmatched", method="other", status="404") >= 1
    rc, out = promtool_check(text)
    assert rc == 0 and out == "", f"promtool check metrics: rc {rc}\n{out}"
