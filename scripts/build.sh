#!/usr/bin/env bash
# Builds csrd. Usage: scripts/build.sh [--sanitize | --tsan] [--build-dir DIR] [--no-tests]
#   default build dir: build/ (build-asan/ with --sanitize, build-tsan/ with --tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZE=OFF; TSAN=OFF; DIR=""; TESTS=ON
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) SANITIZE=ON ;;
    --tsan) TSAN=ON ;;
    --build-dir) DIR="$2"; shift ;;
    --no-tests) TESTS=OFF ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$DIR" ]; then
  if [ "$SANITIZE" = ON ]; then DIR=build-asan; elif [ "$TSAN" = ON ]; then DIR=build-tsan; else DIR=build; fi
fi
TYPE=RelWithDebInfo
[ "$SANITIZE" = ON ] && TYPE=Debug
[ "$TSAN" = ON ] && TYPE=RelWithDebInfo
cmake -S . -B "$DIR" -G Ninja -DCMAKE_BUILD_TYPE="$TYPE" -DCSRD_WERROR=ON \
  -DCSRD_SANITIZE="$SANITIZE" -DCSRD_TSAN="$TSAN" -DCSRD_TESTS="$TESTS" >/dev/null
ninja -C "$DIR" -j"$(nproc)"
