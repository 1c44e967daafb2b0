#!/usr/bin/env bash
# The Go benchmarks of the hot path, COUNT times each (default 6), summarised by
# benchstat (make bench-micro):
#
#   host/router     Match and Compile over 10, 1,000 and 10,000 routes
#   host/pipeline   ProxyPath: the whole pipeline with 0, 1 and 8 no-op plugins
#   host            BuiltinChain: the performance targets' plugin setups, in process
#   abi             Callback and Stream: one wasm callback, one request's callbacks
#   plugins-wasm    PluginLatency: each built-in plugin through an in-process gateway
#
#   scripts/bench/micro.sh                       # raw output kept in OUT (/tmp/weir-bench-micro.txt)
#   BASE=before.txt scripts/bench/micro.sh       # benchstat BASE against this run
#
# Needs the plugins built (make plugins) and benchstat; installs benchstat with
# `go install golang.org/x/perf/cmd/benchstat@latest` when it is not on PATH or in
# $(go env GOPATH)/bin.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

count=${COUNT:-6}
out=${OUT:-${TMPDIR:-/tmp}/weir-bench-micro.txt}

benchstat=$(command -v benchstat || true)
if [ -z "$benchstat" ]; then
	benchstat="$(go env GOPATH)/bin/benchstat"
	[ -x "$benchstat" ] || go install golang.org/x/perf/cmd/benchstat@latest
fi

: >"$out"
run() {
	echo "bench-micro: $*" >&2
	go test -run '^$' -benchmem -count "$count" "$@" | tee -a "$out" | grep -E '^(Benchmark|ok|FAIL)' >&2
}
run -bench 'Match$' -benchtime 20000x ./host/router
run -bench 'Compile$' -benchtime 20x ./host/router
run -bench 'ProxyPath/plugins=(0|1|8)$' -benchtime 10000x ./host/pipeline
run -bench 'BuiltinChain' -benchtime 5000x ./host
run -bench 'Callback$|Stream$' -benchtime 20000x ./abi
run -bench 'PluginLatency' -benchtime 3000x ./plugins-wasm

echo "bench-micro: raw output in $out (BASE=$out next time to compare)" >&2
echo
if [ -n "${BASE:-}" ]; then
	"$benchstat" "$BASE" "$out"
else
	"$benchstat" "$out"
fi
