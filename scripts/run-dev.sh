#!/usr/bin/env bash
# Builds csrd and runs it on the embedded SQLite store in ./csrd-data.
# CSRD_BOOTSTRAP_PASSWORD sets the first admin's password; without it one is
# generated into csrd-data/bootstrap-admin-password.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --no-tests --build-dir build
exec build/csrd serve --listen "${CSRD_LISTEN:-127.0.0.1:8080}" --data-dir "${CSRD_DATA_DIR:-./csrd-data}"
