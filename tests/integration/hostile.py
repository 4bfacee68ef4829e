"""Helpers for the hostile-client tests (test_hostile.py, test_idle_and_core.py): raw
connections to a csrd (plain or TLS), a Content-Length framed response reader, and memory
figures. Standard library only."""
import socket
import ssl
import subprocess
import time

import csrdtest as ct

REQUEST_TIMEOUT = 3  # --request-timeout of the servers here (seconds)


def _sanitizer():
    """"asan", "tsan" or "": sanitizer runtimes change memory figures (ASan keeps freed memory in
    quarantine; TSan shadows every byte and caches per thread), so bounds are scaled for them."""
    try:
        out = subprocess.run(["ldd", ct.CSRD_BIN], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if b"libasan" in out:
        return "asan"
    if b"libtsan" in out:
        return "tsan"
    return ""


SANITIZER = _sanitizer()
SANITIZED = SANITIZER != ""
MEMORY_SCALE = {"asan": 4, "tsan": 8}.get(SANITIZER, 1)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def with_user(srv):
    """Gives srv a FullAccess user (srv.user) and its token (srv.token)."""
    w = ct.World(srv)
    acct, _ = w.new_account("hostile")
    srv.user = w.new_user(acct, [ct.ROLE_FULL], "mallory")
    srv.token = srv.user.token
    return srv


def start_server(csrd_bin, workdir, tls):
    """A started csrd with --request-timeout REQUEST_TIMEOUT, no key pool, and a user."""
    srv = ct.Csrd(workdir, binary=csrd_bin, tls=tls,
                  extra_args=["--request-timeout", str(REQUEST_TIMEOUT), "--idle-timeout", "20",
                              "--key-pool-threads", "0"])
    srv.start()
    return with_user(srv)


def healthy(srv):
    """The server process lives and an authenticated request succeeds."""
    assert srv.alive(), f"csrd died; log:\n{srv.log_tail()}"
    r = srv.request("GET", "/v3/scm/csr", token=srv.token, timeout=30)
    ct.expect(r, 200)


def connect(srv, timeout=10.0):
    raw = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    if srv.ssl_context is None:
        return raw
    try:
        return srv.ssl_context.wrap_socket(raw, server_hostname="127.0.0.1")
    except BaseException:
        raw.close()
        raise


def read_responses(sock, n, timeout=10.0, linger=1.0):
    """Reads up to n HTTP responses (Content-Length framed), for at most `timeout` seconds, then
    up to `linger` more seconds for the server to close. Returns (responses, closed): each
    response a ct.Resp; closed is True when the server closed the connection after them."""
    sock.settimeout(timeout)
    buf = b""
    out = []
    closed = False
    deadline = time.time() + timeout
    while True:
        while len(out) < n:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end].decode("latin-1").split("\r\n")
            parts = head[0].split(" ", 2)
            pairs = [tuple(x.strip() for x in line.split(":", 1)) for line in head[1:]]
            headers = ct.Headers(pairs)
            length = int(headers.get("Content-Length", "0"))
            if len(buf) < end + 4 + length:
                break
            body = buf[end + 4:end + 4 + length]
            buf = buf[end + 4 + length:]
            out.append(ct.Resp(int(parts[1]), parts[2] if len(parts) > 2 else "", headers, body, "RAW"))
        if len(out) >= n and buf:
            raise AssertionError(f"unexpected bytes after {n} responses: {buf[:200]!r}")
        if len(out) >= n:
            if linger <= 0:
                break
            sock.settimeout(linger)
            deadline = min(deadline, time.time() + linger)
            linger = 0  # one wait for the close
        if time.time() > deadline:
            break
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
            closed = True
            break
        except (socket.timeout, TimeoutError):
            break
        if not chunk:
            closed = True
            break
        buf += chunk
    return out, closed


def send_all(sock, data):
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        return False


def exchange(srv, data, n=1, timeout=10.0):
    """Sends raw bytes on a new connection and reads up to n responses, then whether it closed."""
    s = connect(srv)
    try:
        send_all(s, data)
        return read_responses(s, n, timeout)
    finally:
        s.close()


def auth_head(srv, method, path, extra="", body=b""):
    h = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {srv.token}\r\n{extra}")
    if body:
        h += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return h.encode() + b"\r\n" + body
