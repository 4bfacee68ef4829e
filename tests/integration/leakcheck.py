"""The suite's log secret check: every secret the tests handle is remembered here, with every csrd
log file; conftest.pytest_sessionfinish searches all the logs for all the secrets at the end of
the run (the issue's "a test greps a whole integration run's log for every secret it used and
finds none"). csrdtest re-exports these names (ct.remember_secret, ...).

Standard library only; never imports csrdtest."""
import json
import os
import re

# Every secret the suite handled (text -> kind) and every csrd log file it produced.
SECRETS = {}
LOG_FILES = []
# Shorter values are test junk ("x", "wrong"), longer ones fabricated oversize inputs; neither is
# a credential csrd could leak.
MIN_SECRET, MAX_SECRET = 8, 64 * 1024
# Secret-bearing JSON members, wherever they nest, and what they hold.
SECRET_KEYS = {"password": "password", "secret": "SK", "securitytoken": "security token",
               "private_key": "private key"}
LOG_DATA_DIRS = set()  # data dirs whose master.key / bootstrap-admin-password are secrets too
SECRET_HEADERS = {"x-auth-token": "token", "x-subject-token": "token", "x-security-token": "security token"}


def remember_secret(value, kind):
    """Records a secret the suite handled, to be searched for in every log at the end."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str) and MIN_SECRET <= len(value) <= MAX_SECRET:
        SECRETS.setdefault(value, kind)


def remember_json_secrets(obj, depth=0):
    """Records the secret members of a JSON document (dict/list, or its text)."""
    if depth > 64:
        return
    if isinstance(obj, (bytes, str)):
        try:
            obj = json.loads(obj)
        except (ValueError, RecursionError):
            return  # not JSON, or a hostile nesting no secret hides in
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in SECRET_KEYS and isinstance(v, str):
                remember_secret(v, SECRET_KEYS[k])
            elif k == "token" and isinstance(v, dict) and isinstance(v.get("id"), str):
                remember_secret(v["id"], "token")  # a token in a securitytokens body
            else:
                remember_json_secrets(v, depth + 1)
    elif isinstance(obj, list):
        for v in obj:
            remember_json_secrets(v, depth + 1)


def remember_exchange(headers, body, resp):
    """Records the secrets of one request (headers dict, body bytes) and its Resp."""
    for k, v in (headers or {}).items():
        if k.lower() in SECRET_HEADERS:
            remember_secret(v, SECRET_HEADERS[k.lower()])
    if body and len(body) <= 4 * MAX_SECRET:
        remember_json_secrets(body)
    if resp is not None:
        remember_secret(resp.headers.get("X-Subject-Token"), "token")
        if resp.body and len(resp.body) <= 4 * MAX_SECRET:
            remember_json_secrets(resp.body)


PEM_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PRIVATE KEY-----")


def data_dir_secrets():
    """The secrets csrd generated into the suite's data dirs (master.key, the bootstrap password
    file): csrd logs their paths, never their contents."""
    out = {}
    for d in sorted(LOG_DATA_DIRS):
        for name, kind in (("master.key", "master key"), ("bootstrap-admin-password", "bootstrap password")):
            try:
                with open(os.path.join(d, name), "rb") as f:
                    text = f.read().decode("utf-8", "replace").strip()
            except OSError:
                continue
            if MIN_SECRET <= len(text) <= MAX_SECRET:
                out.setdefault(text, kind)
    return out


def find_leaks(log_files, secret_kinds):
    """[(log file, kind)] for every remembered secret found in a log, and for PEM private key
    markers. Never returns the secret itself."""
    leaks = []
    for path in dict.fromkeys(log_files):
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if PEM_PRIVATE_KEY.search(text):
            leaks.append((path, "PEM private key marker"))
        kinds = set()
        for secret, kind in secret_kinds.items():
            if kind not in kinds and secret in text:
                kinds.add(kind)
                leaks.append((path, kind))
    return leaks
