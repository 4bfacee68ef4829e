"""Connections held open in bulk (10,000 plain, 1,200 over TLS) against --max-connections, with
the server's memory measured; and core dumps disabled, checked from outside the process."""
import http.client
import os
import shutil
import resource
import selectors
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

import csrdtest as ct
from hostile import MEMORY_SCALE, healthy, rss_kib, with_user


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return ct.TestPki(str(tmp_path_factory.mktemp("pki")))


# ------------------------------------------------------------------ 10,000 idle connections


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < want:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {want}")
    if soft == resource.RLIM_INFINITY or soft >= want:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return soft


def open_many(port, count, ctx=None):
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if ctx is not None:
            try:
                s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
            except (ssl.SSLError, ConnectionResetError, OSError):
                s.close()
                s = None
        socks.append(s)
    return socks


def answered_or_closed(socks, settle=3.0):
    """Sockets the server wrote to or closed within `settle` seconds: {index: first bytes}."""
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        if s is not None:
            sel.register(s, selectors.EVENT_READ, i)
    seen = {i: b"" for i, s in enumerate(socks) if s is None}  # refused during the handshake
    deadline = time.time() + settle
    while time.time() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s = socks[key.data]
            s.setblocking(False)
            try:
                seen[key.data] = s.recv(64)
            except (ssl.SSLWantReadError, BlockingIOError):
                continue  # TLS housekeeping only (session tickets): still open
            except OSError:  # reset, or a TLS error
                seen[key.data] = b""
            sel.unregister(s)
    sel.close()
    return seen


@pytest.mark.parametrize("tls,total,cap,per_conn_kib", [(False, 10_000, 8_000, 8), (True, 1_200, 1_000, 120)],
                         ids=["plain-10000", "tls-1200"])
def test_idle_connections_beyond_the_cap_are_refused_and_memory_is_bounded(fresh, pki, tls, total, cap,
                                                                          per_conn_kib):
    old = raise_fd_limit(total + 2_000)
    try:
        kw = {}
        if tls:
            cert, key = pki.leaf("idle")
            kw["tls"] = (cert, key, pki.ca)
        srv = fresh(extra_args=["--max-connections", str(cap), "--idle-timeout", "300",
                                "--request-timeout", "60", "--key-pool-threads", "0"], **kw)
        srv.start()
        with_user(srv)
        healthy(srv)
        time.sleep(0.5)  # the server notices those clients are gone
        base = rss_kib(srv.proc.pid)
        t0 = time.time()
        socks = open_many(srv.port, total, srv.ssl_context)
        opened = time.time() - t0
        seen = answered_or_closed(socks)
        peak = rss_kib(srv.proc.pid)
        refused = [d for d in seen.values()]
        # Exactly the connections beyond the cap got a 429 or were closed; the rest wait, idle.
        assert len(refused) == total - cap, f"{len(refused)} refused of {total} (cap {cap})"
        for d in refused:
            assert d == b"" or d.startswith(b"HTTP/1.1 429"), d
        # A new client now is refused too (429 or closed), not queued.
        try:
            r = srv.request("GET", "/health", timeout=10)
        except (OSError, http.client.HTTPException):
            r = None
        assert r is None or r.status == 429, r
        grown = peak - base
        print(f"{'TLS' if tls else 'plain'}: {total} connections opened in {opened:.1f}s, RSS {base} -> "
              f"{peak} KiB (+{grown} KiB, {grown / cap:.1f} KiB per held connection), "
              f"{sum(1 for d in refused if d)} got 429")
        assert grown < cap * per_conn_kib * MEMORY_SCALE, f"RSS grew {grown} KiB for {cap} idle connections"
        for s in socks:
            if s is not None:
                s.close()
        # Once they are gone, requests are served again.
        deadline = time.time() + 20
        while True:
            try:
                healthy(srv)
                break
            except (AssertionError, OSError):
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        assert srv.alive()
        assert srv.stop() == 0
    finally:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (old, hard))


def _unlimited_core():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _killed_by_abort(pid):
    """SIGABRTs pid and reaps it; returns whether the kernel wrote a core."""
    os.kill(pid, signal.SIGABRT)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT, status
    return os.WCOREDUMP(status)


def test_an_abort_writes_no_core_file(fresh, tmp_path):
    """csrd started with an unlimited core size in a writable directory, then SIGABRT: no core.
    A control process under the same conditions shows that this machine would write one."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    control = subprocess.Popen(["sleep", "60"], cwd=str(cwd), preexec_fn=_unlimited_core)
    time.sleep(0.2)
    control_dumped = _killed_by_abort(control.pid)
    control.returncode = -signal.SIGABRT
    for f in cwd.iterdir():
        f.unlink()

    srv = fresh(popen_kwargs={"cwd": str(cwd), "preexec_fn": _unlimited_core},
                extra_args=["--key-pool-threads", "0"])
    srv.start()
    with open(f"/proc/{srv.proc.pid}/limits") as f:
        assert next(ln for ln in f if ln.startswith("Max core file size")).split()[4:6] == ["0", "0"]
    dumped = _killed_by_abort(srv.proc.pid)
    srv.proc.returncode = -signal.SIGABRT
    assert not dumped, "csrd dumped core"
    leftovers = [f.name for f in cwd.iterdir()] + [f.name for f in os.scandir(srv.data_dir)
                                                   if f.name.startswith("core")]
    assert not [n for n in leftovers if n.startswith("core")], leftovers
    if not control_dumped:
        pytest.skip("this machine writes no core files at all (core_pattern/limits), so only half "
                    "the check ran: csrd's own limit is 0 and it wrote none")


def test_process_is_not_dumpable(fresh):
    """PR_SET_DUMPABLE 0, seen from outside: the kernel then gives /proc/<pid>/status to root even
    though csrd runs as another user (so that user's other processes cannot ptrace it or read
    its memory). A control process of the same user keeps its own /proc files."""
    if os.geteuid() != 0:
        pytest.skip("needs root to start csrd as another user")
    nobody = 65534
    top = tempfile.mkdtemp(prefix="csrd-nobody-")
    os.chmod(top, 0o755)
    data = os.path.join(top, "data")
    os.mkdir(data)
    os.chown(data, nobody, nobody)
    # nobody may not be able to reach the build tree (a clone under a 0700 mktemp dir): run a
    # copy of the binary from the world-readable scratch dir.
    binary = os.path.join(top, "csrd")
    shutil.copy2(ct.CSRD_BIN, binary)
    os.chmod(binary, 0o755)
    # Likewise a sanitizer's suppressions file named in its options (test.sh's TSan run).
    env = {}
    for var in ("TSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        opts = os.environ.get(var, "").split()
        for i, opt in enumerate(opts):
            if opt.startswith("suppressions="):
                copy = os.path.join(top, var.lower() + ".supp")
                shutil.copy2(opt.split("=", 1)[1], copy)
                os.chmod(copy, 0o644)
                opts[i] = "suppressions=" + copy
                env[var] = " ".join(opts)

    def drop():
        os.setgid(nobody)
        os.setuid(nobody)

    control = subprocess.Popen(["sleep", "60"], preexec_fn=drop)
    try:
        srv = fresh(data_dir=data, binary=binary, env=env, popen_kwargs={"preexec_fn": drop},
                    extra_args=["--key-pool-threads", "0"])
        srv.start()
        assert os.stat(f"/proc/{control.pid}/status").st_uid == nobody
        with open(f"/proc/{srv.proc.pid}/status") as f:
            uid_line = next(ln for ln in f if ln.startswith("Uid:"))
        assert uid_line.split()[1] == str(nobody), uid_line
        assert os.stat(f"/proc/{srv.proc.pid}/status").st_uid == 0, "csrd is still dumpable"
        assert srv.stop() == 0
    finally:
        control.kill()
        control.wait()
        subprocess.run(["rm", "-rf", top], check=False)

