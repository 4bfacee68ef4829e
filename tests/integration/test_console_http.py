"""The web console's static files over HTTP (GET /console, /console/, /console/{file}).

What the browser suite (test_console_browser.py) cannot see well: every file of console/ is served
byte for byte with its type, every answer on a console path — files, redirect, 304, 404, wrong
method — carries the security headers, no HTML has inline script or style (the CSP forbids them),
no script builds HTML from strings, and the answers match the OpenAPI document.
"""
import html.parser
import json
import os
import re

import pytest

import csrdtest as ct

CONSOLE_DIR = os.path.join(ct.REPO, "console")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
}


def console_files():
    return sorted(n for n in os.listdir(CONSOLE_DIR) if not n.startswith("."))


def read(name):
    with open(os.path.join(CONSOLE_DIR, name), "rb") as f:
        return f.read()


def assert_security_headers(r):
    for name, want in SECURITY_HEADERS.items():
        got = [v for k, v in r.headers.all if k.lower() == name.lower()]
        assert got == [want], f"{name}: {got!r} on {r!r}"
    assert ct.REQUEST_ID.match(r.headers.get("X-Request-Id", "")), r


def test_every_file_is_served_byte_for_byte_with_its_type(server):
    names = console_files()
    assert {"index.html", "app.js", "api.js", "style.css"} <= set(names), names
    for name in names:
        r = server.request("GET", f"/console/{name}")
        assert r.status == 200, r
        assert r.body == read(name), f"/console/{name} differs from console/{name} (rebuild csrd?)"
        ext = os.path.splitext(name)[1]
        assert r.headers.get("Content-Type") == TYPES[ext], (name, r.headers.get("Content-Type"))
        assert re.fullmatch(r'"[0-9a-f]{20}"', r.headers.get("ETag", "")), r.headers.get("ETag")
        assert_security_headers(r)


def test_index_redirect_and_no_credentials_needed(server):
    index = server.request("GET", "/console/")
    assert index.status == 200 and index.body == read("index.html"), index
    assert index.headers.get("Content-Type") == "text/html; charset=utf-8"
    assert_security_headers(index)
    # Credentials, good or bad, change nothing.
    assert server.request("GET", "/console/", token="x" * 40).body == index.body
    assert server.request("GET", "/console/?x=1").body == index.body

    r = server.request("GET", "/console")
    assert r.status == 301, r
    assert r.headers.get("Location") == "/console/"
    assert r.body == b""
    assert_security_headers(r)


def test_if_none_match_answers_304_with_the_headers(server):
    r = server.request("GET", "/console/app.js")
    etag = r.headers["ETag"]
    again = server.request("GET", "/console/app.js", headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b"", again
    assert again.headers.get("ETag") == etag
    assert_security_headers(again)
    other = server.request("GET", "/console/app.js", headers={"If-None-Match": '"0000"'})
    assert other.status == 200 and other.body == r.body
    # Each file has its own ETag.
    assert server.request("GET", "/console/api.js").headers["ETag"] != etag


@pytest.mark.parametrize("method,path", [
    ("GET", "/console/nope.js"), ("GET", "/console/INDEX.HTML"), ("GET", "/console/a/b.js"),
    ("GET", "/console//"), ("GET", "/console/app.js/"), ("GET", "/console/%2e%2e%2fhealth"),
    ("GET", "/console/..%2Findex.html"), ("POST", "/console/"), ("PUT", "/console/app.js"),
    ("DELETE", "/console"), ("HEAD", "/console/app.js"),
])
def test_unknown_file_or_method_is_404_with_the_headers(server, method, path):
    r = server.request(method, path)
    if method == "HEAD":
        assert r.status == 404 and r.body == b"", r
    else:
        ct.assert_scm_error(r, 404, "APIGW.0101")
    assert_security_headers(r)


def test_other_paths_get_no_console_headers(server):
    for path in ("/health", "/consoles", "/v3/scm/csr"):
        r = server.request("GET", path)
        assert "Content-Security-Policy" not in r.headers, (path, r)


class _Inline(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in a:
            if k == "style" or k.startswith("on"):
                self.problems.append(f"<{tag} {k}=...>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            if not a.get("src"):
                self.problems.append("<script> without src")
            self.scripts.append(a)
        if tag == "a" and (a.get("href") or "").lower().startswith("javascript:"):
            self.problems.append("javascript: link")
        if tag == "link" and a.get("rel") == "stylesheet" and "//" in (a.get("href") or ""):
            self.problems.append("stylesheet from another origin")


def test_no_inline_script_or_style_in_any_served_html(server):
    for name in console_files():
        if not name.endswith(".html"):
            continue
        r = server.request("GET", f"/console/{name}")
        p = _Inline()
        p.feed(r.body.decode("utf-8"))
        assert not p.problems, f"{name}: {p.problems}"
        for s in p.scripts:
            assert s.get("type") == "module" and "//" not in s["src"], s


def js_code(text):
    """text with its comments blanked (newlines kept, so line numbers stay): a small lexer that
    knows strings, template literals and regular expression literals, so the `//` of a URL in a
    string is code, not the start of a comment."""
    out = []
    i, n = 0, len(text)
    last = ""  # the last significant character of code, to tell a regex from a division
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c in "'\"`" or (c == "/" and (last == "" or last in "(,=:[!&|?{};+-*%<>~^")):
            j, in_class = i + 1, False
            while j < n and (text[j] != c or in_class):
                if text[j] == "\\":
                    j += 1
                elif c == "/" and text[j] in "[]":
                    in_class = text[j] == "["
                elif c == "/" and text[j] == "\n":
                    break
                j += 1
            out.append(text[i:j + 1])
            i, last = j + 1, c
        else:
            out.append(c)
            if not c.isspace():
                last = c
            i += 1
    return "".join(out)


def test_js_code_blanks_only_comments():
    code = js_code("a = 'https://x'; // c\nb = `//t` /* d\ne */ + /[/]\\//.test(y); // z")
    assert code.splitlines() == ["a = 'https://x';     ", "b = `//t`     ", "     + /[/]\\//.test(y);     "]


def test_scripts_never_parse_server_data_as_html_nor_use_local_storage():
    """Uploaded CSR subjects are attacker controlled: the console builds DOM nodes and sets
    textContent; it never assigns HTML strings. The token lives in sessionStorage only."""
    banned = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|"
                        r"localStorage|setAttribute\(\s*['\"]style|\.style\.|https?://")
    for name in console_files():
        if not name.endswith(".js"):
            continue
        text = read(name).decode("utf-8")
        for i, (line, code) in enumerate(zip(text.splitlines(), js_code(text).splitlines()), 1):
            m = banned.search(code)
            assert m is None, f"console/{name}:{i}: {m.group(0)!r} in {line.strip()!r}"


def test_responses_match_the_openapi_document(server, openapi_check, tmp_path):
    rec = ct.OpenApiRecorder()
    rec.add("/console", server.request("GET", "/console"), 301)
    index = rec.add("/console/", server.request("GET", "/console/"), 200)
    rec.add("/console/", server.request("GET", "/console/", headers={"If-None-Match": index.headers["ETag"]}), 304)
    for name in console_files():
        rec.add("/console/{file}", server.request("GET", f"/console/{name}"), 200)
    js = server.request("GET", "/console/app.js")
    rec.add("/console/{file}", server.request("GET", "/console/app.js", headers={"If-None-Match": js.headers["ETag"]}), 304)
    rec.add("/console/{file}", server.request("GET", "/console/missing.js"), 404)
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(rec.cases, ensure_ascii=False))
    rc, verdict = openapi_check("responses", ct.OPENAPI_DOC, str(path))
    assert rc == 0 and verdict["ok"], "\n".join(verdict["errors"])
    assert verdict["checked"] == len(rec.cases)


def test_console_requests_are_counted_by_route_template(server):
    server.request("GET", "/console/app.js")
    server.request("GET", "/console/nope.js")
    text = server.request("GET", "/metrics").body.decode()
    assert re.search(r'csrd_http_requests_total\{[^}]*route="/console/\{file\}"[^}]*status="200"', text), \
        "no /console/{file} series in /metrics"
    assert "nope.js" not in text and "app.js" not in text
