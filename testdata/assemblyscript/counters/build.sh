#!/usr/bin/env bash
# Builds counters.wasm from assembly/index.ts with the versions package-lock.json pins
# (assemblyscript 0.17.14, @solo-io/proxy-runtime 0.1.8; newer AssemblyScript cannot
# compile that runtime). Needs node and npm. Usage: build.sh [OUT]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
out=$(realpath -m "${1:-counters.wasm}")
[[ -x node_modules/.bin/asc ]] || npm ci --no-audit --no-fund >/dev/null
node_modules/.bin/asc assembly/index.ts -b "$out" --use abort=abort_proc_exit --optimize
