#!/usr/bin/env bash
# Builds identity.wasm from main.go with the standard Go toolchain and weir's SDK, in
# the gateway's module (so go.mod pins every dependency). Usage: build.sh [OUT]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out=$(realpath -m "${1:-$here/identity.wasm}")
cd "$here/../../.."
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags="-s -w" -o "$out" ./testdata/go/identity
