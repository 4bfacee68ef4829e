"""HTTPS (csrd serve --tls-cert/--tls-key): the TLS policy seen from a real client, the CSR flow
over HTTPS, certificate reload on SIGHUP, and the plain-HTTP-on-loopback-only rule."""
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import warnings

import pytest

import csrdtest as ct


# The servers here test the transport; the key pool's background RSA refills only cost CPU.
NO_POOL = ["--key-pool-threads", "0"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return ct.TestPki(str(tmp_path_factory.mktemp("pki")))


def start_tls(fresh, pki, name, kind="ec", **kw):
    cert, key = pki.leaf(name, kind)
    kw.setdefault("extra_args", NO_POOL)
    srv = fresh(tls=(cert, key, pki.ca), **kw)
    srv.start()
    return srv


@pytest.fixture(scope="module")
def tls_srv(csrd_bin, pki, tmp_path_factory):
    """One HTTPS server (EC P-256 certificate) with a FullAccess user, for the read-only tests."""
    cert, key = pki.leaf("shared-ec")
    srv = ct.Csrd(str(tmp_path_factory.mktemp("tls")), binary=csrd_bin, tls=(cert, key, pki.ca),
                  extra_args=["--request-timeout", "2", *NO_POOL])
    srv.start()
    w = ct.World(srv)
    acct, _ = w.new_account("tls")
    srv.user = w.new_user(acct, [ct.ROLE_FULL], "tina")
    yield srv
    srv.stop()


def client_context(pki, **settings):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki.ca)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1 / TLSv1_1 on purpose
        for k, v in settings.items():
            if k == "ciphers":
                ctx.set_ciphers(v)
            elif k == "alpn":
                ctx.set_alpn_protocols(v)
            else:
                setattr(ctx, k, v)
    return ctx


def handshake(port, ctx):
    """Connects and handshakes; returns the TLS socket (the caller closes it)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        return ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    except BaseException:
        raw.close()
        raise


def get_over(sock, path="/health", extra=""):
    """One request on an open socket; returns (status, body)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
    resp = http.client.HTTPResponse(sock, method="GET")
    resp.begin()
    return resp.status, resp.read()


def wait_log(srv, text, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in srv.log_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not logged; log:\n{srv.log_tail()}")


# ------------------------------------------------------------------ the CSR flow over HTTPS


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_full_csr_flow_over_https(fresh, pki, kind):
    srv = start_tls(fresh, pki, f"flow-{kind}", kind)
    conn = srv.connection(timeout=60)
    conn.connect()
    assert conn.sock.version() == "TLSv1.3"
    cert_der = conn.sock.getpeercert(binary_form=True)
    assert cert_der == ct.TestPki.der(os.path.join(pki.dir, f"flow-{kind}.pem"))
    conn.close()

    w = ct.World(srv)
    acct, _ = w.new_account("https")
    alice = w.new_user(acct, [ct.ROLE_FULL], "alice")  # logs in over HTTPS
    tok = alice.token
    body = ct.csr_body(private_key_algo="EC_P256")
    created = ct.expect(srv.request("POST", "/v3/scm/csr", js=body, token=tok), 201)
    ct.assert_csr_object(created, body)
    listed = ct.expect(srv.request("GET", "/v3/scm/csr", token=tok), 200)
    assert [c["id"] for c in listed["csr_list"]] == [created["id"]]
    path = f"/v3/scm/csr/{created['id']}"
    assert ct.expect(srv.request("GET", path, token=tok), 200)["csr"] == created["csr"]
    assert ct.expect(srv.request("PUT", path, js={"name": "renamed"}, token=tok), 200)["name"] == "renamed"
    key = ct.expect(srv.request("GET", path + "/private-key", token=tok), 200)["private_key"]
    assert key.startswith("-----BEGIN PRIVATE KEY-----")
    ct.expect(srv.request("DELETE", path, token=tok), 204)
    ct.assert_scm_error(srv.request("GET", path, token=tok), 400, "SCM.0707")
    assert "csrd listening on https://" in srv.log_text()
    assert key not in srv.log_text()


def test_keep_alive_over_https(tls_srv):
    conn = tls_srv.connection()
    try:
        socks = set()
        for _ in range(5):
            conn.request("GET", "/v3/scm/csr", headers={"X-Auth-Token": tls_srv.user.token})
            r = conn.getresponse()
            r.read()
            assert r.status == 200
            socks.add(id(conn.sock))
        assert len(socks) == 1, "keep-alive must reuse the TLS connection"
    finally:
        conn.close()


# ------------------------------------------------------------------ the TLS policy


def test_tls13_is_preferred_and_http11_is_the_only_alpn(tls_srv, pki):
    with handshake(tls_srv.port, client_context(pki, alpn=["h2", "http/1.1"])) as s:
        assert s.version() == "TLSv1.3"
        assert s.selected_alpn_protocol() == "http/1.1"
        assert s.compression() is None
        assert get_over(s)[0] == 200
    with handshake(tls_srv.port, client_context(pki, alpn=["h2"])) as s:
        assert s.selected_alpn_protocol() is None  # no h2: not acknowledged


@pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
def test_old_tls_versions_are_refused(tls_srv, pki, version):
    v = getattr(ssl.TLSVersion, version)
    ctx = client_context(pki, minimum_version=v, maximum_version=v, ciphers="DEFAULT:@SECLEVEL=0")
    with pytest.raises(ssl.SSLError) as e:
        handshake(tls_srv.port, ctx).close()
    assert "PROTOCOL_VERSION" in str(e.value), f"refused by the server (an alert), got {e.value!r}"
    ct.expect(tls_srv.request("GET", "/health"), 200)


@pytest.mark.parametrize("ciphers", ["AES128-SHA", "AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA",
                                     "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES128-SHA"])
def test_weak_tls12_ciphers_are_refused(tls_srv, pki, ciphers):
    ctx = client_context(pki, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers=ciphers + ":@SECLEVEL=0")
    with pytest.raises(ssl.SSLError) as e:
        handshake(tls_srv.port, ctx).close()
    assert "HANDSHAKE_FAILURE" in str(e.value), f"refused by the server (an alert), got {e.value!r}"


@pytest.mark.parametrize("cipher", ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                                    "ECDHE-ECDSA-CHACHA20-POLY1305"])
def test_modern_tls12_ciphers_work(tls_srv, pki, cipher):
    ctx = client_context(pki, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers=cipher)
    with handshake(tls_srv.port, ctx) as s:
        assert s.version() == "TLSv1.2"
        assert s.cipher()[0] == cipher
        assert get_over(s)[0] == 200


def test_server_cipher_order_wins(tls_srv, pki):
    # The client prefers AES-256 and ChaCha20; the server's first choice is AES-128-GCM.
    ctx = client_context(pki, maximum_version=ssl.TLSVersion.TLSv1_2,
                         ciphers="ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                 "ECDHE-ECDSA-AES128-GCM-SHA256")
    with handshake(tls_srv.port, ctx) as s:
        assert s.cipher()[0] == "ECDHE-ECDSA-AES128-GCM-SHA256"


def test_renegotiation_is_refused(tls_srv, pki):
    p = subprocess.Popen(["openssl", "s_client", "-connect", f"127.0.0.1:{tls_srv.port}", "-tls1_2",
                          "-CAfile", pki.ca], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        time.sleep(1.0)
        p.stdin.write(b"R\n")  # s_client: renegotiate
        p.stdin.flush()
        time.sleep(1.0)
        try:
            p.stdin.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            p.stdin.flush()
        except BrokenPipeError:
            pass
        time.sleep(1.0)
        try:
            p.stdin.close()
        except BrokenPipeError:  # s_client has quit: the server ended the connection
            pass
        out = p.stdout.read().decode("utf-8", "replace")
    finally:
        p.kill()
        p.wait()
    assert "RENEGOTIATING" in out, out
    assert "no renegotiation" in out, f"the server must refuse renegotiation:\n{out}"
    assert "HTTP/1.1 200" not in out
    ct.expect(tls_srv.request("GET", "/health"), 200)


def test_plain_http_on_the_tls_port_gets_no_answer(tls_srv):
    with socket.create_connection(("127.0.0.1", tls_srv.port), timeout=10) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
    assert b"HTTP/1.1" not in data and b"status" not in data
    ct.expect(tls_srv.request("GET", "/health"), 200)


def test_slow_and_stalled_handshakes_are_closed(tls_srv, pki):
    """--request-timeout 2 bounds the handshake too; others are served meanwhile."""
    silent = socket.create_connection(("127.0.0.1", tls_srv.port), timeout=10)
    partial = socket.create_connection(("127.0.0.1", tls_srv.port), timeout=10)
    partial.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # the start of a ClientHello
    t0 = time.time()
    for _ in range(5):
        ct.expect(tls_srv.request("GET", "/health"), 200)
    for s in (silent, partial):
        try:
            assert s.recv(1) == b""
        except ConnectionResetError:
            pass
        s.close()
    took = time.time() - t0
    assert 1.0 < took < 5.0, f"handshakes closed after {took:.1f}s, want ~2s"
    assert tls_srv.alive()


# ------------------------------------------------------------------ reload on SIGHUP


def test_sighup_reload_keeps_connections_and_serves_the_new_certificate(fresh, pki, tmp_path):
    old_cert, old_key = pki.leaf("reload-old")
    new_cert, new_key = pki.leaf("reload-new", "rsa")
    cert = str(tmp_path / "live.pem")
    key = str(tmp_path / "live.key")
    shutil.copy(old_cert, cert)
    shutil.copy(old_key, key)
    srv = fresh(tls=(cert, key, pki.ca), extra_args=NO_POOL)
    srv.start()
    old_der, new_der = ct.TestPki.der(old_cert), ct.TestPki.der(new_cert)

    kept = srv.connection()
    kept.request("GET", "/health")
    r = kept.getresponse()
    r.read()
    assert r.status == 200
    kept_sock = kept.sock
    assert kept_sock.getpeercert(binary_form=True) == old_der

    # Replace the files (as an ACME client would), then SIGHUP.
    shutil.copy(new_cert, cert)
    shutil.copy(new_key, key)
    srv.proc.send_signal(signal.SIGHUP)
    wait_log(srv, "TLS certificate reloaded")

    kept.request("GET", "/health")
    r = kept.getresponse()
    r.read()
    assert r.status == 200 and kept.sock is kept_sock, "the established connection must survive the reload"
    with handshake(srv.port, srv.ssl_context) as s:
        assert s.getpeercert(binary_form=True) == new_der
        assert get_over(s)[0] == 200

    # A broken certificate on the next reload: logged, the new one stays in service.
    with open(cert, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    srv.proc.send_signal(signal.SIGHUP)
    wait_log(srv, "TLS reload failed")
    with handshake(srv.port, srv.ssl_context) as s:
        assert s.getpeercert(binary_form=True) == new_der
    # A key that does not match: the same.
    shutil.copy(new_cert, cert)
    shutil.copy(old_key, key)
    n_failed = srv.log_text().count("TLS reload failed")
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while srv.log_text().count("TLS reload failed") == n_failed and time.time() < deadline:
        time.sleep(0.05)
    assert srv.log_text().count("TLS reload failed") == n_failed + 1
    with handshake(srv.port, srv.ssl_context) as s:
        assert s.getpeercert(binary_form=True) == new_der
    kept.request("GET", "/health")
    r = kept.getresponse()
    r.read()
    assert r.status == 200 and kept.sock is kept_sock
    kept.close()
    assert srv.alive()
    assert "PRIVATE KEY" not in srv.log_text()
    assert srv.stop() == 0


def test_sighup_without_tls_is_harmless(fresh):
    srv = fresh(extra_args=NO_POOL)
    srv.start()
    srv.proc.send_signal(signal.SIGHUP)
    wait_log(srv, "SIGHUP")
    ct.expect(srv.request("GET", "/health"), 200)
    assert srv.stop() == 0


# ------------------------------------------------------------------ plain HTTP only on loopback


def exits_with(srv, code, timeout=30):
    srv.start(expect_ready=False)
    try:
        rc = srv.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"csrd kept running; log:\n{srv.log_tail()}")
    assert rc == code, f"exit code {rc}, want {code}; log:\n{srv.log_tail()}"
    return srv.log_text()


def test_non_loopback_plain_http_is_refused(fresh):
    log = exits_with(fresh(host="0.0.0.0"), 2)
    assert "refusing to serve plain HTTP" in log and "--allow-insecure-http" in log, log


def test_non_loopback_plain_http_with_the_flag_warns_and_serves(fresh):
    srv = fresh(host="0.0.0.0", extra_args=["--allow-insecure-http", *NO_POOL])
    srv.start()
    ct.expect(srv.request("GET", "/health"), 200)
    assert "serving plain HTTP on the non-loopback address 0.0.0.0" in srv.log_text()
    assert srv.stop() == 0


def test_non_loopback_with_tls_needs_no_flag(fresh, pki):
    cert, key = pki.leaf("wildcard")
    srv = fresh(host="0.0.0.0", tls=(cert, key, pki.ca), extra_args=NO_POOL)
    srv.start()
    ct.expect(srv.request("GET", "/health"), 200)
    assert "plain HTTP" not in srv.log_text()
    assert srv.stop() == 0


def test_other_loopback_addresses_need_no_flag(fresh):
    srv = fresh(host="127.0.0.2", extra_args=NO_POOL)
    srv.start()
    ct.expect(srv.request("GET", "/health"), 200)
    assert "plain HTTP" not in srv.log_text()
    assert srv.stop() == 0


def test_tls_flag_mistakes(fresh, pki, tmp_path):
    cert, key = pki.leaf("mistakes")
    other_cert, _ = pki.leaf("mistakes-other")
    # Only one of the pair: a usage error.
    log = exits_with(fresh(extra_args=["--tls-cert", cert]), 2)
    assert "--tls-cert and --tls-key must be given together" in log
    log = exits_with(fresh(extra_args=["--tls-key", key]), 2)
    assert "--tls-cert and --tls-key must be given together" in log
    # Unreadable or wrong files: named in the message, never a key's content.
    missing = str(tmp_path / "missing.pem")
    log = exits_with(fresh(tls=(missing, key, pki.ca)), 1)
    assert missing in log
    log = exits_with(fresh(tls=(other_cert, key, pki.ca)), 1)
    assert "mismatch" in log or "does not match" in log, log
    encrypted = str(tmp_path / "encrypted.key")
    subprocess.run(["openssl", "pkey", "-in", key, "-aes256", "-passout", "pass:x", "-out", encrypted],
                   check=True)
    log = exits_with(fresh(tls=(cert, encrypted, pki.ca)), 1)
    assert encrypted in log and "PRIVATE KEY" not in log
