#!/usr/bin/env bash
# Installs the Node.js packages of the SDK integration tests (tests/integration/sdk_node):
# the official @huaweicloud/huaweicloud-sdk-core and uuid, pinned by package-lock.json.
# Needs node (>= 18) and npm; reaches only the npm registry.
set -euo pipefail
cd "$(dirname "$0")/../tests/integration/sdk_node"
command -v node >/dev/null || { echo "install-node-deps: node not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-node-deps: npm not found" >&2; exit 1; }
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
# Fail here, not in the middle of the test run, if the core cannot be loaded.
node -e "require('@huaweicloud/huaweicloud-sdk-core'); require('uuid')"
echo "install-node-deps: done ($(node --version), core $(node -p "require('@huaweicloud/huaweicloud-sdk-core/package.json').version"))"
