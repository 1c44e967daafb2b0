#!/usr/bin/env bash
# weir side by side with nginx and haproxy, on loopback, in one run (make bench).
#
#   wrk -> nginx reverse proxy (one worker, upstream keepalive) -+
#   wrk -> haproxy (one thread, http-reuse always)               |
#   wrk -> minimal fasthttp proxy (scripts/bench/floor)           |
#   wrk -> weir (a) one route, no plugins                        +-> nginx upstream
#   wrk -> weir (b) key-auth + rate-limiting (local), 1 consumer |   (small body;
#   wrk -> weir (c) (b) + request- and response-transformer      |    JSON for (c))
#   wrk -> weir (d) 10,000 routes and consumers, (b)'s plugins   |
#   wrk -> weir (a) while its configuration changes once a second
#
# Every proxy is pinned to one core (taskset -c PROXY_CPU; GOMAXPROCS=1 for weir, one
# worker or thread for nginx and haproxy); wrk and the upstream run on the other
# (LOAD_CPU). A round measures every target in turn, each with `wrk -t1 -c64 --latency`
# for DURATION after a WARMUP; the order rotates by one each round. The ratios to the
# nginx reverse proxy are taken per round, and the table shows medians over ROUNDS.
# Then: weir's RSS with every built-in plugin enabled, warm and under load, and its
# start-to-ready time with a cold and a warm compilation cache.
#
#   scripts/bench/run.sh              # ROUNDS=5 DURATION=10s WARMUP=2s ROUTES=10000
#   scripts/bench/run.sh --smoke      # or BENCH_SMOKE=1: 1 round of 2 s, 200 routes,
#                                     # no thresholds; fails only when something did not
#                                     # run or a target answered other than 2xx
#
#   PROFILE_DIR=dir scripts/bench/run.sh   # each weir node also writes a CPU profile,
#                                          # dir/<case>.cpu (go tool pprof -top dir/b.cpu)
#
# Needs wrk, nginx, haproxy, curl, taskset (util-linux), openssl and Go (to build weir,
# unless WEIR_BIN=path, and the fasthttp floor). On Debian or Ubuntu: apt-get install
# wrk nginx haproxy curl openssl.
# nginx and haproxy run as the current user from a temporary directory; nothing is
# installed or changed system-wide. Everything started here is stopped on exit, by pid.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

smoke=${BENCH_SMOKE:-0}
for arg in "$@"; do
	case $arg in
	--smoke) smoke=1 ;;
	-h | --help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument $arg (try --help)" >&2; exit 2 ;;
	esac
done
if [ "$smoke" = 1 ]; then
	rounds=${ROUNDS:-1} duration=${DURATION:-2s} warmup=${WARMUP:-0} routes=${ROUTES:-200} starts=${STARTS:-1}
else
	rounds=${ROUNDS:-5} duration=${DURATION:-10s} warmup=${WARMUP:-2s} routes=${ROUTES:-10000} starts=${STARTS:-3}
fi
conns=${CONNECTIONS:-64}
base=${BASE_PORT:-19100}
proxy_cpu=${PROXY_CPU:-0} load_cpu=${LOAD_CPU:-1}
if [ "$(nproc)" -lt 2 ]; then
	echo "bench: one CPU only; proxies and wrk share it, ratios will mean little" >&2
	load_cpu=0
fi

missing=()
for tool in wrk nginx haproxy curl taskset openssl; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
command -v go >/dev/null || missing+=(go) # weir (unless WEIR_BIN), the fasthttp floor
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench: missing ${missing[*]}; on Debian or Ubuntu: apt-get install wrk nginx haproxy curl util-linux openssl" >&2
	exit 1
fi

work=$(mktemp -d /tmp/weir-bench.XXXXXX)
[ -z "${PROFILE_DIR:-}" ] || { mkdir -p "$PROFILE_DIR" && PROFILE_DIR=$(cd "$PROFILE_DIR" && pwd); }
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
# stop PID: stop one process started here and forget it.
stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	local keep=() pid
	for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || keep+=("$pid"); done
	pids=("${keep[@]}")
}

failures=()
fail() { failures+=("$*"); echo "bench: $*" >&2; }

up_port=$base
ngx_port=$((base + 1)) hap_port=$((base + 2)) floor_port=$((base + 3))
up="127.0.0.1:$up_port"

if [ -n "${WEIR_BIN:-}" ]; then
	weir=$WEIR_BIN
else
	echo "bench: building weir" >&2
	(cd "$root" && bash scripts/build-plugins.sh >/dev/null && go build -trimpath -o "$work/weir" ./cmd/weir)
	weir=$work/weir
fi
(cd "$root" && go build -trimpath -o "$work/floor" ./scripts/bench/floor)

# --- the upstream and the peers -----------------------------------------------------

mkdir -p "$work/upstream/logs" "$work/nginx/logs"
bash "$here/upstream-conf.sh" "$up" "$work/upstream" >"$work/upstream/nginx.conf"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 8192; }
http {
	access_log off;
	keepalive_requests 1000000;
	upstream backend { server $up; keepalive 128; keepalive_requests 1000000; }
	server {
		listen 127.0.0.1:$ngx_port;
		location / {
			proxy_pass http://backend;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
		}
	}
}
EOF
cat >"$work/haproxy.cfg" <<EOF
global
	nbthread 1
	maxconn 4096
	pidfile $work/haproxy.pid
defaults
	mode http
	option http-keep-alive
	http-reuse always
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend bench
	bind 127.0.0.1:$hap_port
	default_backend upstream
backend upstream
	server up $up
EOF

taskset -c "$load_cpu" nginx -p "$work/upstream" -c "$work/upstream/nginx.conf" &
pids+=($!)
taskset -c "$proxy_cpu" nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
taskset -c "$proxy_cpu" haproxy -db -q -f "$work/haproxy.cfg" &
pids+=($!)
GOMAXPROCS=1 taskset -c "$proxy_cpu" "$work/floor" -listen "127.0.0.1:$floor_port" -upstream "$up" &
pids+=($!)

# --- weir in each configuration -------------------------------------------------------

# A JWT for the all-plugins case (HS256, iss = the consumer's jwt_secret key).
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
jwt_secret=bench-secret-$RANDOM
jwt_head=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
jwt_body=$(printf '{"iss":"bench-iss","exp":%d}' $(($(date +%s) + 86400)) | b64url)
jwt_sig=$(printf '%s.%s' "$jwt_head" "$jwt_body" | openssl dgst -sha256 -hmac "$jwt_secret" -binary | b64url)
export BENCH_JWT="$jwt_head.$jwt_body.$jwt_sig"

# Each case gets its own prefix (embedded store, wasm-cache) and ports; its
# configuration is imported with `weir config db_import` before it starts, which for
# the many-routes case is much faster than tens of thousands of Admin API calls.
declare -A proxy_port admin_port weir_pid
cases=(a b c d all)
declare -A gen=([a]="plain $up" [b]="auth $up" [c]="xform $up" [d]="many $up $routes" [all]="all $up $jwt_secret")
i=0
import_pids=()
for c in "${cases[@]}"; do
	proxy_port[$c]=$((base + 10 + 2 * i))
	admin_port[$c]=$((base + 11 + 2 * i))
	i=$((i + 1))
	mkdir -p "$work/$c"
	# shellcheck disable=SC2086
	bash "$here/gen-config.sh" ${gen[$c]} >"$work/$c/config.json"
	WEIR_PREFIX="$work/$c/prefix" "$weir" config db_import "$work/$c/config.json" >"$work/$c/import.log" 2>&1 &
	import_pids+=($!)
done
echo "bench: importing the configurations ($routes routes for (d))" >&2
for pid in "${import_pids[@]}"; do
	wait "$pid" || { fail "db_import failed: $(cat "$work"/*/import.log | tail -3)"; exit 1; }
done

# start_weir CASE: start weir for CASE on the proxy core, one P, in the background.
start_weir() {
	local profile=()
	[ -z "${PROFILE_DIR:-}" ] || profile=("WEIR_CPU_PROFILE=$PROFILE_DIR/$1.cpu")
	env "${profile[@]}" WEIR_PREFIX="$work/$1/prefix" WEIR_PROXY_LISTEN="127.0.0.1:${proxy_port[$1]}" \
		WEIR_ADMIN_LISTEN="127.0.0.1:${admin_port[$1]}" WEIR_LOG_LEVEL=warn \
		WEIR_PROXY_ACCESS_LOG=off GOMAXPROCS=1 \
		taskset -c "$proxy_cpu" "$weir" start >>"$work/$1/weir.log" 2>&1 &
	weir_pid[$1]=$!
	pids+=($!)
}
# ready CASE [TRIES]: wait until CASE's Admin API answers /status (10 ms polls).
ready() {
	local n=${2:-6000}
	while [ "$n" -gt 0 ]; do
		curl -fs -o /dev/null "http://127.0.0.1:${admin_port[$1]}/status" && return 0
		kill -0 "${weir_pid[$1]}" 2>/dev/null || return 1
		sleep 0.01
		n=$((n - 1))
	done
	return 1
}
for c in a b c d; do start_weir "$c"; done
for c in a b c d; do
	ready "$c" || { fail "weir ($c) did not start: $(tail -5 "$work/$c/weir.log")"; exit 1; }
done
# settle PID: wait (60 s at most) until PID uses under 5% of a core over half a second.
# A node answers /status before it has created its plugins' root contexts (in the
# background: for 10,000 routes that takes seconds of CPU on the proxies' core), and
# that work must not overlap the measurements.
settle() {
	local hz prev now
	hz=$(getconf CLK_TCK)
	prev=$(awk '{print $14 + $15}' "/proc/$1/stat")
	for _ in $(seq 120); do
		sleep 0.5
		now=$(awk '{print $14 + $15}' "/proc/$1/stat")
		[ $((now - prev)) -lt $((hz / 40 + 1)) ] && return 0
		prev=$now
	done
	echo "bench: pid $1 still busy after 60 s; measuring anyway" >&2
}
for c in a b c d; do settle "${weir_pid[$c]}"; done

# The config-change case toggles a plugin, created disabled, on a second route of (a)'s
# service: every change rebuilds the node's configuration and prepares the plugin's
# instances, while the measured requests do the same work throughout (a plugin's own
# cost per request is what (b) and (c) measure). The plugin is enabled once and
# disabled again before the rounds: the first use of a built-in's module compiles it
# (seconds of CPU for the Go bundle, once per compilation cache), which is a module's
# first load, not the configuration change the case measures.
toggle_id=$(cat /proc/sys/kernel/random/uuid)
# toggle true|false: PATCH the plugin's enabled, from the load CPU; prints the status.
toggle() {
	taskset -c "$load_cpu" curl -s -o /dev/null -w '%{http_code}\n' -X PATCH "http://127.0.0.1:${admin_port[a]}/plugins/$toggle_id" \
		-H 'Content-Type: application/json' --data "{\"enabled\":$1}"
}
curl -fs -o /dev/null "http://127.0.0.1:${admin_port[a]}/services/bench/routes" -H 'Content-Type: application/json' \
	--data '{"name":"bench-other","paths":["/other"]}' &&
	curl -fs -o /dev/null "http://127.0.0.1:${admin_port[a]}/routes/bench-other/plugins" -H 'Content-Type: application/json' \
		--data "{\"id\":\"$toggle_id\",\"name\":\"correlation-id\",\"enabled\":false}" &&
	[ "$(toggle true)" = 200 ] && [ "$(toggle false)" = 200 ] ||
	fail "could not create the route and plugin the config-change case toggles"
settle "${weir_pid[a]}"

# --- targets ------------------------------------------------------------------------

mid=$(((routes + 1) / 2))
targets=(nginx haproxy floor weir-a weir-b weir-c weir-d weir-a-changes)
declare -A url hdr label
url[nginx]="http://127.0.0.1:$ngx_port/" label[nginx]="nginx reverse proxy (keepalive)"
url[haproxy]="http://127.0.0.1:$hap_port/" label[haproxy]="haproxy"
url[floor]="http://127.0.0.1:$floor_port/" label[floor]="minimal fasthttp proxy (the engine's floor)"
url[weir-a]="http://127.0.0.1:${proxy_port[a]}/" label[weir-a]="weir (a) one route, no plugins"
url[weir-b]="http://127.0.0.1:${proxy_port[b]}/" hdr[weir-b]="apikey: key-1"
label[weir-b]="weir (b) key-auth + rate-limiting, 1 consumer"
url[weir-c]="http://127.0.0.1:${proxy_port[c]}/" hdr[weir-c]="apikey: key-1"
label[weir-c]="weir (c) (b) + req/resp-transformer, JSON"
url[weir-d]="http://127.0.0.1:${proxy_port[d]}/r$mid" hdr[weir-d]="apikey: key-$mid"
label[weir-d]="weir (d) $routes routes+consumers, (b)'s plugins"
url[weir-a-changes]=${url[weir-a]} label[weir-a-changes]="weir (a) + 1 config change/s"

# Every target must answer 2xx before anything is measured (the peers get a moment to
# bind).
for _ in $(seq 100); do
	curl -fs -o /dev/null "${url[nginx]}" && curl -fs -o /dev/null "${url[haproxy]}" &&
		curl -fs -o /dev/null "${url[floor]}" && break
	sleep 0.05
done
for t in "${targets[@]}"; do
	args=(-s -o /dev/null -w '%{http_code}')
	[ -z "${hdr[$t]:-}" ] || args+=(-H "${hdr[$t]}")
	code=$(curl "${args[@]}" "${url[$t]}" || true)
	case $code in 2??) ;; *) fail "$t answered $code at ${url[$t]}" ;; esac
done
if [ ${#failures[@]} -gt 0 ]; then exit 1; fi

# wrk_run OUT URL [HEADER] [wrk args...]: warm up, then measure into OUT.
wrk_run() {
	local out=$1 target=$2 h=$3
	shift 3
	local args=(-t1 -c"$conns")
	[ -z "$h" ] || args+=(-H "$h")
	[ "$warmup" = 0 ] || taskset -c "$load_cpu" wrk "${args[@]}" -d"$warmup" "$@" "$target" >/dev/null
	taskset -c "$load_cpu" wrk "${args[@]}" -d"$duration" --latency "$@" "$target" >"$out"
}
# parse FILE: "req/s p50_ms p99_ms non2xx socket_errors" from wrk's output.
parse() {
	awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/Requests\/sec/ {rps = $2} $1 == "50%" {p50 = ms($2)} $1 == "99%" {p99 = ms($2)}
		/Non-2xx/ {bad = $NF} /Socket errors/ {gsub(/,/, ""); err = $4 + $6 + $8 + $10}
		END {printf "%.0f %.3f %.3f %d %d\n", rps, p50, p99, bad, err}' "$1"
}
# changes SECONDS: once a second, alternately PATCH (a)'s route's tags and toggle the
# plugin on the second route; prints one Admin API status per change. The Admin API
# client is load too: its curl processes run beside wrk, not on the proxies' core.
changes() {
	local end=$((SECONDS + $1)) n=0 on=false
	while [ "$SECONDS" -lt "$end" ]; do
		n=$((n + 1))
		if [ $((n % 2)) = 1 ]; then
			taskset -c "$load_cpu" curl -s -o /dev/null -w '%{http_code}\n' -X PATCH "http://127.0.0.1:${admin_port[a]}/routes/bench" \
				-H 'Content-Type: application/json' --data "{\"tags\":[\"rev-$n\"]}" || echo 000
		else
			if [ "$on" = false ]; then on=true; else on=false; fi
			toggle "$on" || echo 000
		fi
		sleep 1
	done
	toggle false >/dev/null || true
}

secs() { echo "$1" | awk '{v = $1 + 0; if ($1 ~ /m$/) v *= 60; if ($1 ~ /h$/) v *= 3600; print int(v)}'; }

# --- rounds -------------------------------------------------------------------------

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results=$work/results
: >"$results"
: >"$work/admin-codes"
n=${#targets[@]}
for r in $(seq "$rounds"); do
	order=()
	for k in $(seq 0 $((n - 1))); do order+=("${targets[$(((k + r - 1) % n))]}"); done
	echo "bench: round $r/$rounds: ${order[*]}" >&2
	for t in "${order[@]}"; do
		out=$work/round$r-$t.txt
		if [ "$t" = weir-a-changes ]; then
			[ "$warmup" = 0 ] || taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"$warmup" "${url[$t]}" >/dev/null
			changes "$(secs "$duration")" >"$work/admin-codes-$r" &
			cpid=$!
			taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"$duration" --latency "${url[$t]}" >"$out"
			wait "$cpid" || true
			cat "$work/admin-codes-$r" >>"$work/admin-codes"
			bad_admin=$(grep -cv '^2' "$work/admin-codes-$r" || true)
			[ "$bad_admin" = 0 ] || fail "round $r, config changes: $bad_admin Admin API answers other than 2xx"
		else
			wrk_run "$out" "${url[$t]}" "${hdr[$t]:-}"
		fi
		line=$(parse "$out")
		echo "$r $t $line" >>"$results"
		set -- $line
		if [ "$1" = 0 ] || [ "$4" != 0 ]; then fail "round $r, $t: $1 req/s, $4 non-2xx answers"; fi
	done
done

# --- every built-in plugin: cold start, RSS warm and under load, warm starts ----------

# start_ms CASE: start CASE; print the milliseconds from exec to the first /status
# answer.
start_ms() {
	local t0 t1
	t0=$(date +%s%N)
	start_weir "$1"
	ready "$1" || { fail "weir ($1) did not become ready: $(tail -3 "$work/$1/weir.log")"; echo 0; return; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
: >"$work/cold" && : >"$work/warm"

echo "bench: all built-in plugins: cold start, RSS under load" >&2
rm -rf "$work/all/prefix/wasm-cache"
start_ms all >>"$work/cold"
allpid=${weir_pid[all]}
rss_max=0
(
	[ "$warmup" = 0 ] || taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"$warmup" -s "$here/all-plugins.lua" "http://127.0.0.1:${proxy_port[all]}" >/dev/null
	taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"$duration" --latency -s "$here/all-plugins.lua" "http://127.0.0.1:${proxy_port[all]}" >"$work/all.txt"
) &
loadpid=$!
while kill -0 "$loadpid" 2>/dev/null; do
	kb=$(awk '/^VmRSS/ {print $2}' "/proc/$allpid/status" 2>/dev/null || echo 0)
	[ "${kb:-0}" -le "$rss_max" ] || rss_max=$kb
	sleep 0.2
done
wait "$loadpid" || fail "wrk failed on the all-plugins case"
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$allpid/status" 2>/dev/null || echo 0)
all_line=$(parse "$work/all.txt")
set -- $all_line
if [ "$1" = 0 ] || [ "$4" != 0 ]; then fail "all plugins: $1 req/s, $4 non-2xx answers"; fi
all_rps=$1 all_bad=$4
stop "$allpid"

echo "bench: start to ready" >&2
for k in $(seq "$starts"); do
	start_ms all >>"$work/warm"
	stop "${weir_pid[all]}"
	[ "$k" = 1 ] && continue
	rm -rf "$work/all/prefix/wasm-cache"
	start_ms all >>"$work/cold"
	stop "${weir_pid[all]}"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table ----------------------------------------------------------------------

median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# per-round derived figures: "round key value"
awk '{rps[$1, $2] = $3; p99[$1, $2] = $5; rounds[$1] = 1}
	END {
		for (r in rounds) {
			split("nginx haproxy floor weir-a weir-b weir-c weir-d weir-a-changes", ts, " ")
			for (i in ts) if (rps[r, "nginx"] > 0) print r, "ratio-" ts[i], rps[r, ts[i]] / rps[r, "nginx"]
			if (p99[r, "nginx"] > 0) print r, "p99x-weir-a", p99[r, "weir-a"] / p99[r, "nginx"]
			if (rps[r, "weir-a"] > 0) print r, "own-weir-b", rps[r, "weir-b"] / rps[r, "weir-a"]
			if (rps[r, "floor"] > 0) print r, "floor-weir-a", rps[r, "weir-a"] / rps[r, "floor"]
			if (rps[r, "weir-b"] > 0) print r, "own-weir-d", rps[r, "weir-d"] / rps[r, "weir-b"]
			if (p99[r, "weir-a"] > 0) print r, "steady-weir-a-changes", p99[r, "weir-a-changes"] / p99[r, "weir-a"]
		}
	}' "$results" >"$work/derived"
col() { awk -v t="$1" -v c="$2" '$2 == t {print $c}' "$results" | median; }
der() { awk -v k="$1" '$2 == k {print $3}' "$work/derived" | median | awk '{printf ($1 == "-" ? "%s" : "%.2f"), $1}'; }
sum() { awk -v t="$1" -v c="$2" '$2 == t {s += $c} END {print s + 0}' "$results"; }

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "weir side by side: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($cpu), load average $load_before before, $load_after after"
echo "wrk -t1 -c$conns -d$duration --latency (warm-up $warmup) on CPU $load_cpu, each proxy on CPU $proxy_cpu; $rounds round(s), medians$([ "$smoke" = 1 ] && echo '; SMOKE RUN, figures not comparable')"
echo
printf '| %-48s | %9s | %8s | %8s | %8s | %-34s |\n' case req/s "p50 ms" "p99 ms" "/ nginx" "also"
printf '| %-48s | %9s | %8s | %8s | %8s | %-34s |\n' "$(printf '%.0s-' {1..48})" --------- -------- -------- -------- "$(printf '%.0s-' {1..34})"
for t in "${targets[@]}"; do
	also=""
	case $t in
	weir-a) also="p99 / nginx p99: $(der p99x-weir-a); / floor: $(der floor-weir-a)" ;;
	weir-b) also="/ weir (a): $(der own-weir-b)" ;;
	weir-d) also="/ weir (b): $(der own-weir-d)" ;;
	weir-a-changes)
		codes=$(sort "$work/admin-codes" | uniq -c | awk '{printf "%s%sx%s", (NR > 1 ? "," : ""), $1, $2}')
		also="p99 / steady: $(der steady-weir-a-changes); non-2xx $(sum "$t" 6), errors $(sum "$t" 7); admin $codes"
		;;
	*) [ "$(sum "$t" 7)" = 0 ] || also="socket errors $(sum "$t" 7)" ;;
	esac
	printf '| %-48s | %9.0f | %8.2f | %8.2f | %8.2f | %-34s |\n' "${label[$t]}" "$(col "$t" 3)" "$(col "$t" 4)" "$(col "$t" 5)" "$(der "ratio-$t")" "$also"
done

# Each target's figure round by round: the rounds of one run disagree by more than
# most changes move them, so the median alone can hide how close to a target it is.
echo
printf '| %-30s | %-7s | %s | %-6s | %-9s |\n' "target, per round" target "$(for r in $(seq "$rounds"); do printf '%5s ' "r$r"; done)" median "met in"
printf '| %-30s | %-7s | %s | %-6s | %-9s |\n' "$(printf '%.0s-' {1..30})" ------- "$(for r in $(seq "$rounds"); do printf '%5s ' -----; done)" ------ ---------
for spec in "ratio-weir-a:(a) / nginx:>=:0.75" "p99x-weir-a:(a) p99 / nginx p99:<=:1.5" \
	"ratio-weir-b:(b) / nginx:>=:0.60" "own-weir-b:(b) / (a):>=:0.80" "ratio-weir-c:(c) / nginx:>=:0.45" \
	"own-weir-d:(d) / (b):>=:0.95" "steady-weir-a-changes:p99 changing / steady:<=:2"; do
	IFS=: read -r key name op bound <<<"$spec"
	awk -v k="$key" -v n="$name" -v op="$op" -v b="$bound" -v rounds="$rounds" -v med="$(der "$key")" '
		$2 == k {v[$1] = $3}
		END {
			line = ""; met = 0; seen = 0
			for (r = 1; r <= rounds; r++) {
				if (!(r in v)) { line = line sprintf("%5s ", "-"); continue }
				seen++; line = line sprintf("%5.2f ", v[r])
				if ((op == ">=" && v[r] >= b) || (op == "<=" && v[r] <= b)) met++
			}
			printf "| %-30s | %-7s | %s | %-6s | %-9s |\n", n, op " " b, line, med, met " of " seen
		}' "$work/derived"
done
echo
echo "weir, every built-in plugin enabled (4 routes, 14 plugins), under load: RSS $((rss_max / 1024)) MiB (peak $((hwm / 1024)) MiB), $all_rps req/s, $all_bad non-2xx"
echo "weir start to ready (/status answers), all-plugins prefix: cold compilation cache $(median <"$work/cold") ms, warm $(median <"$work/warm") ms (median of $starts each)"

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "bench: ${#failures[@]} problem(s):"
	printf '  %s\n' "${failures[@]}"
	exit 1
fi
