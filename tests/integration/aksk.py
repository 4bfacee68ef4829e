"""A small, independent SDK-HMAC-SHA256 signer (sdk-wire.md §6.1) for the tests.

Written from the spec, not from csrd's C++ signer, so that the two check each other; it
reproduces the spec's worked example A (see test_aksk.py)."""

import hashlib
import hmac
import http.client
import json
import time
import urllib.parse

from csrdtest import Headers, Resp, remember_exchange, remember_secret

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


def _enc(s):
    return urllib.parse.quote(s, safe="-_.~")


def canonical_uri(raw_path):
    segs = urllib.parse.unquote(raw_path).split("/")
    uri = "/".join(_enc(s) for s in segs)
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(raw_query):
    pairs = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        k, _, v = piece.partition("=")
        pairs.append((urllib.parse.unquote(k), urllib.parse.unquote(v)))
    pairs.sort()
    return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)


def sdk_date(t=None):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if t is None else t))


def sign(ak, sk, method, path, headers, body=b"", signed=None):
    """headers: dict of the headers to send (must hold X-Sdk-Date). signed: the header names to
    sign (default: all of them, lower-cased). Returns the Authorization value."""
    lower = {k.lower(): v.strip() for k, v in headers.items()}
    names = sorted(signed if signed is not None else lower.keys())
    raw_path, _, raw_query = path.partition("?")
    creq = "\n".join([
        method.upper(),
        canonical_uri(raw_path),
        canonical_query(raw_query),
        "".join(f"{n}:{lower[n]}\n" for n in names),
        ";".join(names),
        hashlib.sha256(body).hexdigest(),
    ])
    sts = "SDK-HMAC-SHA256\n%s\n%s" % (lower["x-sdk-date"], hashlib.sha256(creq.encode()).hexdigest())
    sig = hmac.new(sk.encode(), sts.encode(), hashlib.sha256).hexdigest()
    return f"SDK-HMAC-SHA256 Access={ak}, SignedHeaders={';'.join(names)}, Signature={sig}"


def signed_request(srv, ak, sk, method, path, js=None, body=None, extra=None, date=None,
                   signed=None, tamper_body=None, security_token=None):
    """Sends one AK/SK-signed request to csrd, as the Python SDK would (content-type, host,
    x-sdk-date and any extra headers signed)."""
    if js is not None:
        body = json.dumps(js).encode()
    if isinstance(body, str):
        body = body.encode()
    body = body or b""
    headers = {"Content-Type": "application/json", "Host": f"127.0.0.1:{srv.port}",
               "X-Sdk-Date": date or sdk_date()}
    if security_token is not None:
        headers["X-Security-Token"] = security_token
    headers.update(extra or {})
    headers["Authorization"] = sign(ak, sk, method, path, {k: v for k, v in headers.items()}, body,
                                    signed)
    sent = tamper_body if tamper_body is not None else body
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if sent or method in ("POST", "PUT"):
            conn.putheader("Content-Length", str(len(sent)))
        conn.endheaders(sent if sent else None)
        r = conn.getresponse()
        resp = Resp(r.status, r.reason, Headers(r.getheaders()), r.read(), method, path)
        remember_secret(sk, "SK")
        remember_exchange(headers, sent, resp)
        return resp
    finally:
        conn.close()
