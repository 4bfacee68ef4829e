"""ListCsr: contract §1, §4 (list rows), ordering and paging."""
import time
import urllib.parse

import pytest

import csrdtest as ct
from csrdtest import assert_scm_error

EC_NAMES = ["alpha-1", "xalphay", "ALPHA", "50%_off", "50x_off", "a_b", "axb", "plus+name", "plus name",
            "日本語の名前", "plain-1", "plain-2"]


class Listing:
    pass


@pytest.fixture(scope="module")
def lst(server, world):
    """A fresh account holding 14 CSRs: 12 EC_P256, one SM2, one RSA_2048."""
    acct, _ = world.new_account("lister")
    p = world.new_user(acct, [ct.ROLE_FULL])
    created = []
    for name in EC_NAMES:
        created.append(ct.create_ok(server, p.token, name=name))
        time.sleep(0.003)
    created.append(ct.create_ok(server, p.token, name="sm2-one", private_key_algo="SM2"))
    time.sleep(0.003)
    created.append(ct.create_ok(server, p.token, name="rsa-one", private_key_algo="RSA_2048"))
    L = Listing()
    L.p = p
    L.created = created
    L.by_name = {c["name"]: c for c in created}
    L.newest_first = sorted(created, key=lambda c: (c["create_time"], c["id"]), reverse=True)

    def get(query="", token=None):
        return server.request("GET", "/v3/scm/csr" + (("?" + query) if query else ""), token=token or p.token)

    def ok(query=""):
        r = get(query)
        j = ct.expect(r, 200)
        assert isinstance(j, dict) and isinstance(j.get("csr_list"), list), f"bad list body {r!r}"
        assert type(j.get("total")) is int, f"total must be an integer: {r!r}"
        return j

    L.get = get
    L.ok = ok
    return L


def names(j):
    return [c["name"] for c in j["csr_list"]]


def ids(j):
    return [c["id"] for c in j["csr_list"]]


def test_default_limit_is_10(lst):
    j = lst.ok()
    assert j["total"] == 14
    assert len(j["csr_list"]) == 10, f"default limit must be 10, got {len(j['csr_list'])}"


def test_content_type_and_request_id(lst):
    r = lst.get()
    assert r.headers.get("Content-Type") == ct.JSON_CT
    assert ct.REQUEST_ID.match(r.headers.get("X-Request-Id", ""))


def test_newest_first(lst):
    j = lst.ok("limit=50")
    assert j["total"] == 14 and len(j["csr_list"]) == 14
    assert ids(j) == [c["id"] for c in lst.newest_first], \
        "ListCsr must order by create_time descending, then id descending (§4)"
    # The later creations really are first (creates were spaced by >= 3 ms).
    assert j["csr_list"][0]["name"] == "rsa-one" and j["csr_list"][-1]["name"] == "alpha-1"


def test_items_are_full_csr_objects(lst, server):
    j = lst.ok("limit=50")
    for item in j["csr_list"]:
        ct.assert_csr_object(item)
        assert item["csr"].startswith("-----BEGIN CERTIFICATE REQUEST-----"), "list items carry csr"
    one = j["csr_list"][3]
    shown = ct.expect(server.request("GET", f"/v3/scm/csr/{one['id']}", token=lst.p.token), 200)
    for f in ct.CSR_FIELDS:
        assert one[f] == shown[f], f"list item {f} differs from ShowCsr"


def test_paging_covers_everything_once(lst):
    full = ids(lst.ok("limit=50"))
    p1 = lst.ok("limit=10&offset=0")
    p2 = lst.ok("limit=10&offset=10")
    assert p1["total"] == p2["total"] == 14
    assert len(p1["csr_list"]) == 10 and len(p2["csr_list"]) == 4
    assert ids(p1) + ids(p2) == full, "offset is the number of items skipped (§4)"
    assert ids(lst.ok("offset=13")) == full[13:]
    assert ids(lst.ok("offset=3&limit=10")) == full[3:13]


@pytest.mark.parametrize("q,count", [("limit=10", 10), ("limit=50", 14), ("limit=", 10), ("limit=11", 11),
                                     ("offset=14", 0), ("offset=2147483647", 0), ("offset=", 10),
                                     ("offset=0", 10)])
def test_limit_offset_valid(lst, q, count):
    j = lst.ok(q)
    assert len(j["csr_list"]) == count, f"{q}: {len(j['csr_list'])} items"
    assert j["total"] == 14, f"{q}: total must count every match, got {j['total']}"


@pytest.mark.parametrize("q", ["limit=9", "limit=51", "limit=0", "limit=-1", "limit=abc", "limit=10.0",
                               "limit=%2B10", "limit=1e1", "limit=%2010", "limit=99999999999999999999",
                               "offset=-1", "offset=2147483648", "offset=abc", "offset=1.5", "offset=%2B1",
                               "offset=99999999999999999999"])
def test_limit_offset_invalid(lst, q):
    assert_scm_error(lst.get(q), 400, "SCM.0005")


def qname(s):
    return "name=" + urllib.parse.quote(s, safe="")


@pytest.mark.parametrize("needle,expect", [
    ("alpha", {"alpha-1", "xalphay"}),
    ("ALPHA", {"ALPHA"}),
    ("%", {"50%_off"}),
    ("_", {"50%_off", "50x_off", "a_b"}),
    ("a_b", {"a_b"}),
    ("50%_", {"50%_off"}),
    ("plus+name", {"plus+name"}),
    ("plus name", {"plus name"}),
    ("日本語", {"日本語の名前"}),
    ("plain", {"plain-1", "plain-2"}),
    ("-one", {"sm2-one", "rsa-one"}),
    ("no such name", set()),
])
def test_name_filter_is_literal_case_sensitive_substring(lst, needle, expect):
    j = lst.ok(qname(needle) + "&limit=50")
    assert set(names(j)) == expect, f"name={needle!r}: got {names(j)}"
    assert j["total"] == len(expect)


def test_plus_in_query_is_a_literal_plus(lst):
    j = lst.ok("name=plus+name&limit=50")
    assert names(j) == ["plus+name"], f"'+' must be a literal plus (§4), got {names(j)}"
    j = lst.ok("name=plus%2Bname")
    assert names(j) == ["plus+name"]


def test_filter_total_counts_beyond_page(lst):
    j = lst.ok("private_key_algo=EC_P256&limit=10")
    want = [c for c in lst.newest_first if c["private_key_algo"] == "EC_P256"]
    assert len(want) == 12
    assert j["total"] == 12, f"total counts every match, not the page: {j['total']}"
    assert ids(j) == [c["id"] for c in want[:10]]
    j = lst.ok("private_key_algo=EC_P256&offset=10")
    assert ids(j) == [c["id"] for c in want[10:]] and j["total"] == 12


@pytest.mark.parametrize("needle", ["n" * 32, "名" * 32, ""])
def test_name_filter_length_valid(lst, needle):
    j = lst.ok(qname(needle))
    assert j["total"] == (14 if needle == "" else 0)


@pytest.mark.parametrize("needle", ["n" * 33, "名" * 33])
def test_name_filter_too_long(lst, needle):
    assert_scm_error(lst.get(qname(needle)), 400, "SCM.0005")


@pytest.mark.parametrize("q", ["name=%FF", "name=%C3", "name=%ED%A0%80"])
def test_name_filter_invalid_utf8(lst, q):
    assert_scm_error(lst.get(q), 400, "SCM.0005")


@pytest.mark.parametrize("algo,count", [("SM2", 1), ("RSA_2048", 1), ("EC_P256", 12), ("EC_P384", 0),
                                        ("RSA_4096", 0), ("", 14)])
def test_algo_filter(lst, algo, count):
    j = lst.ok(f"private_key_algo={algo}&limit=50")
    assert j["total"] == count, f"private_key_algo={algo}: total {j['total']}"
    assert len(j["csr_list"]) == count
    if algo:
        assert all(c["private_key_algo"] == algo for c in j["csr_list"])


@pytest.mark.parametrize("algo", ["sm2", "RSA_1024", "rsa_2048", "X", "EC_P256%20"])
def test_algo_filter_invalid(lst, algo):
    assert_scm_error(lst.get(f"private_key_algo={algo}"), 400, "SCM.0005")


def test_combined_filters(lst):
    j = lst.ok("name=one&private_key_algo=SM2")
    assert names(j) == ["sm2-one"] and j["total"] == 1


@pytest.mark.parametrize("q", ["limit=10&limit=10", "offset=0&offset=0", "name=a&name=a",
                               "private_key_algo=SM2&private_key_algo=SM2", "limit=10&name=a&limit=20"])
def test_repeated_parameter_is_400(lst, q):
    assert_scm_error(lst.get(q), 400, "SCM.0005")


def test_unknown_parameter_ignored(lst):
    j = lst.ok("foo=bar&sort_dir=ASC")
    assert j["total"] == 14 and len(j["csr_list"]) == 10


def test_body_on_get_is_ignored(lst, server):
    r = server.request("GET", "/v3/scm/csr", body=b"{not json", token=lst.p.token)
    j = ct.expect(r, 200)
    assert j["total"] == 14


def test_empty_account_lists_nothing(server, world):
    acct, _ = world.new_account("nolist")
    p = world.new_user(acct, [ct.ROLE_RO])
    j = ct.expect(server.request("GET", "/v3/scm/csr", token=p.token), 200)
    assert j == {"csr_list": [], "total": 0} or (j["csr_list"] == [] and j["total"] == 0)


def test_update_does_not_reorder(lst, server):
    before = ids(lst.ok("limit=50"))
    oldest = lst.by_name["alpha-1"]
    r = server.request("PUT", f"/v3/scm/csr/{oldest['id']}", js={"name": "alpha-1"}, token=lst.p.token)
    ct.expect(r, 200)
    assert ids(lst.ok("limit=50")) == before, "ListCsr orders by create_time, an update must not reorder (§4)"


def test_delete_updates_list(lst, server):
    extra = ct.create_ok(server, lst.p.token, name="transient")
    assert lst.ok()["total"] == 15
    assert ids(lst.ok())[0] == extra["id"], "the newest CSR comes first"
    ct.expect(server.request("DELETE", f"/v3/scm/csr/{extra['id']}", token=lst.p.token), 204)
    j = lst.ok("limit=50")
    assert j["total"] == 14 and extra["id"] not in ids(j)
