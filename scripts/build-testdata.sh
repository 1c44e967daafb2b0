#!/usr/bin/env bash
# Rebuilds the wasm fixtures in testdata/ from their sources, or checks that the
# committed .wasm files match them.
#
#   scripts/build-testdata.sh          rebuild every fixture in place
#   scripts/build-testdata.sh --check  rebuild each into a temporary directory and compare
#                                      bytes with the committed file; exit 1 on a mismatch
#
# Fixtures: testdata/<language>/<fixture>/build.sh [OUT] builds one (Go, C, Rust,
# AssemblyScript), and testdata/wat/*.wat go through wat2wasm. The toolchains:
#   Go              the Go toolchain go.mod asks for
#   C               apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32
#   Rust            apt-get install rustc libstd-rust-dev-wasm32 (uses /usr/bin/rustc)
#   AssemblyScript  node and npm; the fixture's build.sh runs npm ci when needed
#   WAT             apt-get install wabt
# A missing toolchain is an error, so CI cannot pass without checking a language.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check=0
case "${1:-}" in
--check) check=1 ;;
"") ;;
*)
	echo "usage: $0 [--check]" >&2
	exit 2
	;;
esac

# Fixtures whose build is not byte-for-byte reproducible, with the reason; --check
# skips them and says so. Keep this list empty unless a toolchain forces an entry.
declare -A unreproducible=()

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fresh=0 stale=0 skipped=0 built=0

# need TOOL HINT: fail with the install hint when TOOL is not on this machine.
need() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "build-testdata: $1 not found; $2" >&2
		exit 1
	fi
}

need_for() {
	case $1 in
	go) need go "install Go (see go.mod)" ;;
	c) need clang "apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32" ;;
	rust) need /usr/bin/rustc "apt-get install rustc libstd-rust-dev-wasm32" ;;
	assemblyscript) need npm "install node and npm" ;;
	wat) need wat2wasm "apt-get install wabt" ;;
	esac
}

# compare NAME COMMITTED FRESH: count and report the result of one check.
compare() {
	if cmp -s "$2" "$3"; then
		fresh=$((fresh + 1))
	else
		echo "STALE $1: ${2#"$root"/} does not match its source; run scripts/build-testdata.sh" >&2
		stale=$((stale + 1))
	fi
}

# fixture DIR: build or check one testdata/<language>/<fixture>/ folder.
fixture() {
	local dir=${1%/} lang name rel target
	lang=$(basename "$(dirname "$dir")")
	name=$(basename "$dir")
	rel=${dir#"$root"/}
	target=$(find "$dir" -maxdepth 1 -name '*.wasm' -print -quit)
	[[ -n $target ]] || target="$dir/$name.wasm"
	if ((check)) && [[ -n ${unreproducible[$rel]:-} ]]; then
		echo "skip $rel: not reproducible (${unreproducible[$rel]})"
		skipped=$((skipped + 1))
		return
	fi
	need_for "$lang"
	if ((check)); then
		mkdir -p "$tmp/$rel"
		"$dir/build.sh" "$tmp/$rel/out.wasm" >/dev/null
		compare "$rel" "$target" "$tmp/$rel/out.wasm"
	else
		echo "build $rel"
		"$dir/build.sh" "$target"
		built=$((built + 1))
	fi
}

for dir in "$root"/testdata/*/*/; do
	if [[ -x $dir/build.sh ]]; then
		fixture "$dir"
	fi
done

for src in "$root"/testdata/wat/*.wat; do
	need_for wat
	target=${src%.wat}.wasm
	if ((check)); then
		wat2wasm "$src" -o "$tmp/out.wasm"
		compare "${src#"$root"/}" "$target" "$tmp/out.wasm"
	else
		wat2wasm "$src" -o "$target"
		built=$((built + 1))
	fi
done

if ((check)); then
	echo "testdata: $fresh match their sources, $stale stale, $skipped not reproducible (skipped)"
	((stale == 0))
else
	echo "testdata: $built built"
fi
