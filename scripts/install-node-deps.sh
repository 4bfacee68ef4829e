#!/usr/bin/env bash
# Installs the Node.js packages of the integration tests, each pinned by its package-lock.json:
#  - tests/integration/sdk_node: the official @huaweicloud/huaweicloud-sdk-core and uuid;
#  - tests/openapi: @apidevtools/swagger-parser and ajv (the OpenAPI document checks);
#  - tests/console: playwright-core (drives Debian's chromium; it downloads no browser).
# Needs node (>= 18) and npm; reaches only the npm registry. playwright-core needs Node >= 20:
# where the system's node is older (Debian 12 ships 18), a Node 20 from the npm registry (package
# `node`, pinned by tests/console/node20/package-lock.json) is installed into tests/console/node20
# and the browser suite runs with it; an install that is already there is kept.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
command -v node >/dev/null || { echo "install-node-deps: node not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-node-deps: npm not found" >&2; exit 1; }
install_dir() {
  cd "$1"
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
  fi
}
(
  install_dir "$ROOT/tests/integration/sdk_node"
  # Fail here, not in the middle of the test run, if the core cannot be loaded.
  node -e "require('@huaweicloud/huaweicloud-sdk-core'); require('uuid')"
  echo "install-node-deps: sdk_node done ($(node --version), core $(node -p "require('@huaweicloud/huaweicloud-sdk-core/package.json').version"))"
)
(
  install_dir "$ROOT/tests/openapi"
  node -e "require('@apidevtools/swagger-parser'); require('ajv')"
  echo "install-node-deps: openapi done (swagger-parser $(node -p "require('@apidevtools/swagger-parser/package.json').version"), ajv $(node -p "require('ajv/package.json').version"))"
)
(
  install_dir "$ROOT/tests/console"
  console_node=node
  if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    node20="$ROOT/tests/console/node20"
    want="v$(node -p "require('$node20/package.json').dependencies.node")"
    console_node="$node20/node_modules/.bin/node"
    if [ "$("$console_node" --version 2>/dev/null || true)" = "$want" ]; then
      echo "install-node-deps: node $want already in $node20"
    else
      install_dir "$node20"
    fi
  fi
  "$console_node" --input-type=module -e "await import('playwright-core')"
  echo "install-node-deps: console done (playwright-core $("$console_node" -p "require('playwright-core/package.json').version"), node $("$console_node" --version))"
)
