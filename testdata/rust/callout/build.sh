#!/usr/bin/env bash
# Builds callout.wasm from callout.rs with Debian's rustc and its wasm32 std
# (apt-get install rustc libstd-rust-dev-wasm32). /usr/bin/rustc on purpose: a rustup
# toolchain earlier on PATH has no wasm32 std here. Usage: build.sh [OUT]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
/usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib \
	-C opt-level=s -C strip=symbols -C panic=abort --remap-path-prefix "$PWD=." \
	-o "${1:-callout.wasm}" callout.rs
