#!/usr/bin/env bash
# Where the Rust built-ins' guest code spends its instructions, per function, for one
# BenchmarkBuiltinChain case: callgrind counts the code wazero compiled, and wazero's
# perf map (build tag perfmap) names it, once this script has lined the map up with
# the copy of the code that runs (wazero writes the map before it moves the code).
#
#   scripts/bench/guest-profile.sh response-transformer
#   N=5000 TOP=40 scripts/bench/guest-profile.sh key-auth+rate-limiting
#
# The figures are instructions per request: the compiled code's totals divided by the
# requests of the run (N, 3,000 by default, and the benchmark's warm-up), the modules'
# start-up being negligible beside them. The module is rebuilt with its function names
# for the run (plugins-wasm/bundle-rust/bundle-rust.wasm is put back on exit), and it
# compiles under valgrind, which takes two to three minutes.
#
# Needs valgrind, python3, Debian's rustc with the wasm32 std (as build.sh), and Go.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
case_name=${1:?a BenchmarkBuiltinChain case, e.g. response-transformer}
n=${N:-3000} top=${TOP:-30}
for tool in valgrind callgrind_annotate python3 /usr/bin/rustc; do
	command -v "$tool" >/dev/null || { echo "guest-profile: $tool missing" >&2; exit 1; }
done

work=$(mktemp -d /tmp/weir-guest-profile.XXXXXX)
module=plugins-wasm/bundle-rust/bundle-rust.wasm
cp "$module" "$work/committed.wasm"
trap 'cp "$work/committed.wasm" "$module"; rm -rf "$work"' EXIT

# the module as build.sh makes it, its function names kept
(cd plugins-wasm/bundle-rust && /usr/bin/rustc --edition 2021 -C opt-level=2 --remap-path-prefix "$(cd .. && pwd)=." \
	--target wasm32-unknown-unknown --crate-type cdylib -C panic=abort -C strip=debuginfo \
	-C target-feature=+bulk-memory -o "$work/named.wasm" lib.rs)
cp "$work/named.wasm" "$module"
go test -c -tags perfmap -o "$work/host.test" ./host
cp "$work/committed.wasm" "$module"

re=$(printf '%s' "$case_name" | sed 's/+/\\+/g')
mkdir -p "$work/tmp"
(cd "$work" && TMPDIR="$work/tmp" GOGC=off GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
	--smc-check=all-non-file --callgrind-out-file="$work/callgrind.%p" ./host.test -test.run '^$' \
	-test.bench "BuiltinChain/^$re\$" -test.benchtime "${n}x" >"$work/run.log" 2>&1) ||
	{ echo "guest-profile: the benchmark failed: $(tail -5 "$work/run.log")" >&2; exit 1; }
pid=$(ls "$work"/callgrind.* | head -1 | sed 's/.*callgrind\.//')
callgrind_annotate --auto=no --threshold=100 "$work/callgrind.$pid" >"$work/annotated" 2>/dev/null
# requests: the run's N, its 200 warm-up requests, and the 1-request run go test makes first
python3 - "/tmp/perf-$pid.map" "$work/annotated" $((n + 200 + 201)) "$top" <<'PY'
import bisect, re, sys
perf_map, annotated, requests, top = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
entries = []
for line in open(perf_map):
    parts = line.split(' ', 2)
    if len(parts) == 3:
        entries.append((int(parts[0], 16), int(parts[1], 16), parts[2].strip()))
entries.sort()
starts = [e[0] for e in entries]
known = set(starts)
unnamed = []
for line in open(annotated):
    m = re.match(r'^\s*([\d,]+) \(\s*[\d.]+%\)\s+\?\?\?:0x([0-9a-f]+)', line)
    if m:
        unnamed.append((int(m.group(2), 16), int(m.group(1).replace(',', ''))))
# the running copy sits a whole number of pages from where the map says: the shift
# that puts the most counted instructions on the start of a mapped block
shift = max(range(-0x2000, 0x2000), key=lambda k: sum(v for a, v in unnamed if a - k * 0x1000 in known)) * 0x1000
by_function, total = {}, 0
for a, v in unnamed:
    i = bisect.bisect_right(starts, a - shift) - 1
    if i >= 0 and entries[i][0] <= a - shift < entries[i][0] + entries[i][1]:
        name = re.sub(r':::::L\d+$', '', entries[i][2])
        name = re.sub(r'^\[\d+/\d+\]\.', '', name)
        by_function[name] = by_function.get(name, 0) + v
        total += v
print(f"guest code, instructions per request: {total / requests:.0f}")
for name, v in sorted(by_function.items(), key=lambda x: -x[1])[:top]:
    print(f"{v / requests:9.0f}  {name[:140]}")
PY
rm -f "/tmp/perf-$pid.map"
