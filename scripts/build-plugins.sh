#!/usr/bin/env bash
# Builds weir's wasm plugins with the standard Go toolchain (no TinyGo):
#   plugins-wasm/<name>/  ->  plugins-wasm/dist/bundle.wasm   (every Go built-in in one module,
#                             embedded in weir: plugins-wasm/bundle imports each plugin's
#                             package; plugins-wasm/internal holds code they share; the
#                             Rust built-ins' module is committed, see make bundle-rust)
#   sdk/examples/<name>/  ->  sdk/examples/<name>/<name>.wasm (SDK examples; also one
#                             level deeper: sdk/examples/shared_queue/receiver)
# A target newer than every source it depends on (its folder, the SDK, the go.mod/go.sum
# files) is skipped, so running it when nothing changed costs almost nothing.
# Needs only Go >= 1.24; modules come through the module proxy. Exits non-zero on the
# first failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
built=0 skipped=0

# stale TARGET SOURCE... : true when TARGET is missing or older than a Go, go.mod or
# go.sum file under the sources.
stale() {
	local target=$1
	shift
	[[ -f $target ]] || return 0
	[[ -n $(find "$@" \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$target" -print -quit) ]]
}

# build MODULE_DIR PACKAGE TARGET SOURCE... : compile PACKAGE (relative to MODULE_DIR)
# to TARGET when stale.
build() {
	local moddir=$1 pkg=$2 target=$3
	shift 3
	if ! stale "$target" "$@"; then
		skipped=$((skipped + 1))
		return
	fi
	echo "build ${target#"$root"/}"
	mkdir -p "$(dirname "$target")"
	(cd "$moddir" && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o "$target" "$pkg")
	built=$((built + 1))
}

sdk_sources=("$root/sdk/proxywasm" "$root/sdk/weir" "$root/sdk/internal" "$root/sdk/go.mod" "$root/sdk/go.sum")

# The bundle depends on every plugin folder. Modules of a layout with one module per
# built-in are removed: dist/ is embedded whole.
find "$root/plugins-wasm/dist" -name '*.wasm' ! -name bundle.wasm -print -delete | sed "s|^$root/|removed |"
build "$root" ./plugins-wasm/bundle "$root/plugins-wasm/dist/bundle.wasm" \
	"$root"/plugins-wasm/*/ "${sdk_sources[@]}" "$root/go.mod" "$root/go.sum"

# An example is a folder with a main.go, one or two levels down
# (sdk/examples/shared_queue/receiver -> .../receiver/receiver.wasm).
while IFS= read -r main; do
	dir=$(dirname "$main")
	rel=${dir#"$root/sdk/"}
	build "$root/sdk" "./$rel" "$dir/$(basename "$dir").wasm" "$dir" "${sdk_sources[@]}"
done < <(find "$root/sdk/examples" -mindepth 2 -maxdepth 3 -name main.go | sort)

echo "plugins: $built built, $skipped up to date"
