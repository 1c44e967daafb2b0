#!/usr/bin/env bash
# Builds bundle-rust.wasm, the built-ins written in Rust, with Debian's rustc and its
# wasm32 std (apt-get install rustc libstd-rust-dev-wasm32), and runs their unit tests
# natively. /usr/bin/rustc on purpose: a rustup toolchain earlier on PATH has no wasm32
# std here, and the committed module must rebuild byte for byte.
#
#   build.sh            rebuild bundle-rust.wasm and run the tests
#   build.sh --check    build into a temporary file and fail unless it matches the
#                       committed one; run the tests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
rustc=/usr/bin/rustc
[ -x "$rustc" ] || { echo "bundle-rust: $rustc missing: apt-get install rustc libstd-rust-dev-wasm32" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--edition 2021 -C opt-level=2 --remap-path-prefix "$(cd .. && pwd)=.")
# bulk-memory: copies the compiler inlines become memory.copy, which wazero runs as one
# native copy, instead of calls to a byte-at-a-time memcpy.
"$rustc" "${flags[@]}" --target wasm32-unknown-unknown --crate-type cdylib -C panic=abort -C strip=symbols \
	-C target-feature=+bulk-memory \
	-o "$work/bundle-rust.wasm" lib.rs
"$rustc" "${flags[@]}" --test -o "$work/tests" lib.rs
"$work/tests" -q

if [ "${1:-}" = --check ]; then
	if ! cmp -s "$work/bundle-rust.wasm" bundle-rust.wasm; then
		echo "STALE plugins-wasm/bundle-rust/bundle-rust.wasm does not match its sources; run plugins-wasm/bundle-rust/build.sh" >&2
		exit 1
	fi
	echo "bundle-rust: bundle-rust.wasm matches its sources"
else
	cp "$work/bundle-rust.wasm" bundle-rust.wasm
	echo "bundle-rust: built bundle-rust.wasm ($(wc -c <bundle-rust.wasm) bytes)"
fi
