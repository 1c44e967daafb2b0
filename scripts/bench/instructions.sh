#!/usr/bin/env bash
# Instructions per request of the performance targets' plugin setups, counted by
# valgrind (callgrind), so the figure does not move with the machine's load: use it to
# tell a change of a few percent from noise, which timings on a shared machine cannot.
#
#   scripts/bench/instructions.sh                      # every BuiltinChain case
#   scripts/bench/instructions.sh key-auth none        # the cases named
#
# Each case runs twice under callgrind, SHORT and LONG requests (default 300 and 1300),
# with one P and the host's collector off (GOGC=off: a collection's timing would move
# the count); the difference over LONG-SHORT is one request's instructions, setup
# cancelled out. The guests' own code counts too (wazero runs it natively); their
# collectors run as usual, inside their memory. Figures are for comparing two builds
# on one machine, not for comparing with timings. About a minute per case.
#
# Needs valgrind (apt-get install valgrind) and the plugins built (make plugins).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

short=${SHORT:-300} long=${LONG:-1300}
command -v valgrind >/dev/null || { echo "instructions: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

work=$(mktemp -d /tmp/weir-instructions.XXXXXX)
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/host.test" ./host

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
	mapfile -t cases < <(sed -n 's/^\t{name: "\([^"]*\)".*/\1/p' host/bench_test.go)
fi

# count N CASE: total instructions of a BuiltinChain run of N requests.
count() {
	(cd "$work" && GOGC=off GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
		--smc-check=all-non-file --callgrind-out-file=/dev/null ./host.test -test.run '^$' \
		-test.bench "BuiltinChain/^$2\$" -test.benchtime "$1x" 2>&1) |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

# the compilation cache, filled once outside valgrind (compiling under it takes minutes)
(cd "$work" && ./host.test -test.run '^$' -test.bench 'BuiltinChain' -test.benchtime 1x >/dev/null)
printf '%-44s %12s\n' case "instr/request"
for c in "${cases[@]}"; do
	re=$(printf '%s' "$c" | sed 's/+/\\+/g')
	count "$short" "$re" >"$work/short" &
	count "$long" "$re" >"$work/long" &
	wait
	a=$(cat "$work/short") b=$(cat "$work/long")
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "instructions: case $c did not run" >&2
		exit 1
	fi
	printf '%-44s %12d\n' "$c" $(((b - a) / (long - short)))
done
