#!/usr/bin/env bash
# Installs everything csrd needs to build, run and test on Debian 12 (as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
# Boost 1.81 by its versioned packages: the unversioned libboost-dev is 1.74,
# which lacks Boost.JSON and conflicts with 1.81.
$SUDO apt-get install -y -qq --no-install-recommends \
  g++ cmake ninja-build pkg-config make \
  libboost1.81-dev libboost-json1.81-dev libboost-system1.81-dev \
  libssl-dev openssl libsqlite3-dev sqlite3 libargon2-dev libpq-dev postgresql \
  libspdlog-dev libfmt-dev libcli11-dev \
  libgtest-dev libgmock-dev libbenchmark-dev python3 python3-pytest curl ca-certificates \
  ccache clang libclang-rt-14-dev prometheus libtomlplusplus-dev \
  chromium >/dev/null
# chromium: the web console's browser suite (tests/console, driven by playwright-core).
# Node.js runs the official Huawei Cloud SDK core in the integration suite; the
# machine image usually has it, a bare Debian 12 gets Debian's.
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
"$(dirname "$0")/install-node-deps.sh"
echo "install-deps: done"
