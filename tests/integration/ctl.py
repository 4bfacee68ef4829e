"""Helpers for driving the csrctl binary from the suite: an isolated config home per test, a
TLS-terminating proxy in front of csrd (csrd's own TLS may not be there yet), a socket that
never answers, and a throwaway CA made with the openssl CLI."""

import json
import os
import select
import socket
import ssl
import subprocess
import threading


class Ctl:
    """csrctl with its own XDG_CONFIG_HOME/HOME and none of the caller's CSRCTL_* or
    HUAWEICLOUD_* variables, so a test sees only what it sets."""

    def __init__(self, binary, home):
        self.binary = binary
        self.home = str(home)
        os.makedirs(self.home, exist_ok=True)
        self.config = os.path.join(self.home, "xdg", "csrctl", "config")
        self.base_env = {k: v for k, v in os.environ.items()
                         if not k.startswith(("CSRCTL_", "HUAWEICLOUD_", "XDG_"))}
        self.base_env.update({"HOME": self.home, "XDG_CONFIG_HOME": os.path.join(self.home, "xdg")})

    def run(self, *args, stdin=None, env=None, timeout=120, cwd=None):
        e = dict(self.base_env)
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        p = subprocess.run([self.binary, *args], input=stdin.encode() if isinstance(stdin, str) else stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, timeout=timeout,
                           cwd=cwd or self.home)
        p.out = p.stdout.decode("utf-8", "replace")
        p.err = p.stderr.decode("utf-8", "replace")
        return p

    def ok(self, *args, **kw):
        p = self.run(*args, **kw)
        assert p.returncode == 0, f"csrctl {' '.join(args)} -> {p.returncode}\nstdout: {p.out}\nstderr: {p.err}"
        return p

    def json(self, *args, **kw):
        """Runs with --output json, expects success, returns the parsed stdout."""
        p = self.ok("--output", "json", *args, **kw)
        return json.loads(p.out)

    def fails(self, code, *args, **kw):
        p = self.run(*args, **kw)
        assert p.returncode == code, (f"csrctl {' '.join(args)}: expected exit {code}, got {p.returncode}\n"
                                      f"stdout: {p.out}\nstderr: {p.err}")
        return p

    def configure(self, endpoint, ak, sk, *extra, profile=None):
        args = (["--profile", profile] if profile else []) + ["configure", "--endpoint", endpoint,
                                                              "--ak", ak, "--sk-stdin", *extra]
        return self.ok(*args, stdin=sk + "\n")


def mode(path):
    return os.stat(path).st_mode & 0o7777


# --------------------------------------------------------------------------- TLS


class CaForTests:
    """A CA and leaf certificates signed by it, made with the openssl CLI."""

    def __init__(self, ossl, name="csrctl-test-ca"):
        self.ossl = ossl
        self.dir = ossl.dir
        self.key = os.path.join(self.dir, f"{name}.key")
        self.cert = os.path.join(self.dir, f"{name}.pem")
        ossl.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.key, "-out", self.cert, "-days", "2", "-subj", f"/CN={name}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def leaf(self, name, sans):
        """A server certificate for sans (e.g. 'IP:127.0.0.1,DNS:localhost'): (cert, key) paths."""
        key = os.path.join(self.dir, f"{name}.key")
        csr = os.path.join(self.dir, f"{name}.csr")
        cert = os.path.join(self.dir, f"{name}.pem")
        ext = os.path.join(self.dir, f"{name}.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={sans}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
        self.ossl.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                      "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
        self.ossl.run("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key, "-CAcreateserial",
                      "-days", "2", "-extfile", ext, "-out", cert)
        return cert, key


class TlsProxy:
    """Terminates TLS on a loopback port and forwards the bytes to a plain backend port, so a
    client's https request (its Host header and signature untouched) reaches csrd."""

    def __init__(self, backend_port, certfile, keyfile):
        self.backend_port = backend_port
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certfile, keyfile)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.handshake_errors = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, raw):
        try:
            raw.settimeout(30)
            tls = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.handshake_errors.append(str(e))
            raw.close()
            return
        back = socket.create_connection(("127.0.0.1", self.backend_port), timeout=30)
        try:
            while True:
                ready = [tls] if tls.pending() else select.select([tls, back], [], [], 30)[0]
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (back if s is tls else tls).sendall(data)
        except (ssl.SSLError, OSError):
            return
        finally:
            back.close()
            tls.close()

    def close(self):
        self._stop = True
        self.sock.close()


class SilentServer:
    """Accepts connections and never answers (for timeouts)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()
