#!/usr/bin/env bash
# Instructions per proxied request of a whole proxy process over sockets, counted by
# valgrind (callgrind): weir's node as it runs (its fasthttp front end, the pipeline,
# the plugins, the upstream client, its runtime) and the engine's floor, against the
# same nginx upstream. The figure does not move with the machine's load, so it tells a
# change to the HTTP path of a few percent from noise; the side-by-side run's ratios
# follow it in kind (the kernel's share, which this does not count, does not change).
#
#   scripts/bench/proc-instructions.sh                 # floor, plain, auth and xform
#   scripts/bench/proc-instructions.sh floor plain     # the cases named
#   FUNCTIONS=20 scripts/bench/proc-instructions.sh plain   # and each one's top functions
#   KEEP=/tmp/dumps scripts/bench/proc-instructions.sh plain # keep the callgrind dumps there
#   CACHE=1 scripts/bench/proc-instructions.sh auth many    # and simulated cache misses
#
# Cases: floor (scripts/bench/floor), and the gen-config.sh cases plain (a), auth (b),
# xform (c) and many (d: ROUTES routes and consumers, default 10,000, requests to the
# middle one as make bench sends them). With CACHE=1 callgrind also simulates the
# caches and prints, per request, the misses of the first-level data cache and of the
# last level (reads and writes), to tell whether what one case costs over another is
# instructions or misses. Each runs under callgrind with one P and its collector off;
# after 2,000 requests to warm it, its counters are zeroed, N requests (default
# 20,000, over 8 connections, scripts/bench/nreq) are sent, and the total is divided
# by N. About a minute per case. weir's compilation cache is filled by a start outside
# valgrind.
#
# Needs valgrind, nginx and curl (apt-get install valgrind nginx curl) and Go. Stops
# only what it started.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
n=${N:-20000} base=${BASE_PORT:-19200} routes=${ROUTES:-10000}
mid=$(((routes + 1) / 2))
for tool in valgrind callgrind_control nginx curl go; do
	command -v "$tool" >/dev/null || { echo "proc-instructions: $tool missing (apt-get install valgrind nginx curl)" >&2; exit 1; }
done
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(floor plain auth xform)

work=$(mktemp -d /tmp/weir-proc-instructions.XXXXXX)
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && bash scripts/build-plugins.sh >/dev/null && go build -trimpath -o "$work/weir" ./cmd/weir &&
	go build -trimpath -o "$work/floor" ./scripts/bench/floor && go build -o "$work/nreq" ./scripts/bench/nreq)

up="127.0.0.1:$base" port=$((base + 1)) admin=$((base + 2))
mkdir -p "$work/upstream/logs"
bash "$here/upstream-conf.sh" "$up" "$work/upstream" >"$work/upstream/nginx.conf"
nginx -p "$work/upstream" -c "$work/upstream/nginx.conf" &
pids+=($!)

# ready HEADER PATH: wait until the proxy answers 200 (valgrind starts slowly).
ready() {
	local i
	for i in $(seq 600); do
		curl -fs -o /dev/null ${1:+-H "$1"} "http://127.0.0.1:$port$2" && return 0
		sleep 0.5
	done
	return 1
}

sim=()
if [ -n "${CACHE:-}" ]; then
	sim=(--cache-sim=yes)
	printf '%-8s %14s %10s %10s %10s\n' case "instr/request" D1-misses LL-reads LL-writes
else
	printf '%-8s %14s\n' case "instr/request"
fi
for c in "${cases[@]}"; do
	header="" path=/ args=("$up")
	case $c in
	floor | plain) ;;
	many) header="apikey: key-$mid" path=/r$mid args=("$up" "$routes") ;;
	*) header="apikey: key-1" ;;
	esac
	if [ "$c" = floor ]; then
		cmd=("$work/floor" -listen "127.0.0.1:$port" -upstream "$up")
	else
		export WEIR_PREFIX="$work/$c" WEIR_PROXY_LISTEN="127.0.0.1:$port" WEIR_ADMIN_LISTEN="127.0.0.1:$admin" \
			WEIR_LOG_LEVEL=warn WEIR_PROXY_ACCESS_LOG=off
		bash "$here/gen-config.sh" "$c" "${args[@]}" >"$work/$c.json"
		"$work/weir" config db_import "$work/$c.json" >"$work/$c.import.log" 2>&1
		"$work/weir" start >"$work/$c.native.log" 2>&1 &
		pid=$!
		ready "$header" "$path" || { echo "proc-instructions: weir ($c) did not start: $(tail -3 "$work/$c.native.log")" >&2; exit 1; }
		kill "$pid" && wait "$pid" || true
		cmd=("$work/weir" start)
	fi
	out="$work/$c.callgrind"
	GOGC=off GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --smc-check=all-non-file "${sim[@]}" \
		--callgrind-out-file="$out.%p" "${cmd[@]}" >"$work/$c.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	ready "$header" "$path" || { echo "proc-instructions: $c did not start under valgrind: $(tail -3 "$work/$c.log")" >&2; exit 1; }
	"$work/nreq" -addr "127.0.0.1:$port" -path "$path" -n 2000 -c 8 ${header:+-H "$header"}
	callgrind_control -z "$pid" >/dev/null 2>&1
	"$work/nreq" -addr "127.0.0.1:$port" -path "$path" -n "$n" -c 8 ${header:+-H "$header"}
	callgrind_control -d "$pid" >/dev/null 2>&1
	kill "$pid" && wait "$pid" || true
	dump=$(ls -t "$out.$pid".* | head -1)
	# PROGRAM TOTALS: Ir, and with the simulation Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
	read -r -a totals < <(callgrind_annotate --auto=no "$dump" 2>/dev/null | sed -n 's/ *PROGRAM TOTALS.*//p' | sed 's/([^)]*)//g' | tr -d ,)
	if [ -n "${CACHE:-}" ]; then
		awk -v c="$c" -v n="$n" -v ir="${totals[0]}" -v d1="$((totals[4] + totals[5]))" -v llr="${totals[7]}" -v llw="${totals[8]}" \
			'BEGIN { printf "%-8s %14d %10.1f %10.1f %10.1f\n", c, ir / n, d1 / n, llr / n, llw / n }'
	else
		printf '%-8s %14d\n' "$c" $((totals[0] / n))
	fi
	[ -z "${KEEP:-}" ] || cp "$dump" "$KEEP/$c.callgrind"
	if [ -n "${FUNCTIONS:-}" ]; then
		callgrind_annotate --auto=no --show=Ir "$dump" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) ([ 0-9.]*%)  \(.*\)/\1 \2/p' |
			sed -n "2,$((FUNCTIONS + 1))p" | awk -v n="$n" '{v=$1; gsub(",","",v); $1=""; printf "    %8d %s\n", v/n, $0}'
	fi
done
