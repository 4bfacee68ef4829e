"""The web console end to end in headless Chromium (tests/console/e2e.mjs, playwright-core from
npm, Debian's chromium): a real csrd, a full-access and a read-only user of a fresh account, and
everything a person does in the console, checked against the API and OpenSSL. Screenshots of every
page at 1440 and 360 px go to the test's tmp dir (printed), or to CSRD_CONSOLE_SHOTS if set.

Runs once per CI pass: on SQLite with the plain build. The browser exercises the same server code
on PostgreSQL and under the sanitizers, which the other tests cover (test_console_http.py runs
everywhere). A missing /usr/bin/chromium (scripts/install-deps.sh installs it) fails the test when
CI is set and skips it otherwise."""
import json
import os
import shutil
import subprocess

import pytest

import csrdtest as ct
import hostile

CHROMIUM = os.environ.get("CSRD_CHROMIUM", "/usr/bin/chromium")
E2E_DIR = os.path.join(ct.REPO, "tests", "console")


def test_console_in_headless_chromium(server, tmp_path):
    if ct.on_postgres():
        pytest.skip("the browser drives the same server code on PostgreSQL; it runs on the SQLite pass")
    if hostile.SANITIZED:
        pytest.skip(f"csrd is built with {hostile.SANITIZER}: the browser runs against the plain build")
    if not os.path.exists(CHROMIUM):
        missing = f"{CHROMIUM} is missing (Debian package chromium; scripts/install-deps.sh)"
        if os.environ.get("CI"):
            pytest.fail(missing + " and CI is set")
        pytest.skip(missing)
    # scripts/install-node-deps.sh puts a Node 20 there when the system's node is older.
    local_node = os.path.join(E2E_DIR, "node20", "node_modules", ".bin", "node")
    node = local_node if os.path.exists(local_node) else shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (Node.js 20+ runs the browser script)")
    if not os.path.isdir(os.path.join(E2E_DIR, "node_modules", "playwright-core")):
        pytest.fail(f"playwright-core is not installed in {E2E_DIR}: run scripts/install-node-deps.sh")

    w = ct.World(server)
    account, _ = w.new_account("console")
    full = w.new_user(account, [ct.ROLE_FULL], "ada")
    ro = w.new_user(account, [ct.ROLE_RO], "rita")
    shots = os.environ.get("CSRD_CONSOLE_SHOTS") or str(tmp_path / "shots")
    env = dict(os.environ, CSRD_URL=f"http://127.0.0.1:{server.port}", CSRD_ACCOUNT=account,
               CSRD_FULL_USER=full.user, CSRD_FULL_PASSWORD=full.password,
               CSRD_RO_USER=ro.user, CSRD_RO_PASSWORD=ro.password,
               CSRD_WORK=str(tmp_path / "work"), CSRD_SHOTS=shots, CSRD_CHROMIUM=CHROMIUM)
    print(f"console screenshots: {shots}")
    p = subprocess.run([node, os.path.join(E2E_DIR, "e2e.mjs")], cwd=E2E_DIR, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    out = p.stdout.decode("utf-8", "replace").strip().splitlines()
    log = p.stderr.decode("utf-8", "replace")
    assert out, f"e2e.mjs printed nothing (rc {p.returncode}):\n{log[-4000:]}"
    verdict = json.loads(out[-1])
    # The exported and generated keys are secrets: the session's log check looks for them too.
    for key in verdict.get("keys", []):
        if os.path.exists(key):
            with open(key) as f:
                ct.remember_secret(f.read(), "private key (console)")
    assert p.returncode == 0 and verdict["ok"], \
        "console e2e failed:\n" + "\n".join(verdict["problems"]) + f"\n--- log:\n{log[-4000:]}"
    assert verdict["steps"] >= 15 and verdict["shots"] >= 12, verdict
    pngs = [n for n in os.listdir(shots) if n.endswith(".png")]
    assert len(pngs) == 2 * verdict["shots"], sorted(pngs)
