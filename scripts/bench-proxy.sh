#!/usr/bin/env bash
# Throughput and latency of weir's proxy path against nginx as a plain reverse proxy,
# side by side in one run, on loopback only:
#
#   wrk -> nginx reverse proxy (upstream keepalive)  -> nginx upstream (small 200)
#   wrk -> weir, no plugin                            -> the same upstream
#   wrk -> weir, one no-op Go plugin (global)         -> the same upstream
#
# Each proxy gets one core's worth (nginx: one worker; weir: GOMAXPROCS=1), as in
# DESIGN.md's engine comparison; wrk runs one thread with 64 connections for
# DURATION (default 10s) after a 2 s warm-up. Needs wrk, nginx, curl and Go; builds
# weir and the plugins first. Prints one table and the ratios. Everything it starts is
# stopped on exit, by pid.
#
#   scripts/bench-proxy.sh            # DURATION=20s scripts/bench-proxy.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration=${DURATION:-10s}
conns=${CONNECTIONS:-64}
up_port=${UP_PORT:-18080} ngx_port=${NGX_PORT:-18081}
weir_port=${WEIR_PORT:-18000} admin_port=${ADMIN_PORT:-18001}

for tool in wrk nginx curl go; do
	command -v "$tool" >/dev/null || { echo "bench-proxy: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d /tmp/weir-bench.XXXXXX)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && bash scripts/build-plugins.sh >/dev/null && go build -trimpath -o "$work/weir" ./cmd/weir)

mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	upstream backend { server 127.0.0.1:$up_port; keepalive 128; }
	server {
		listen 127.0.0.1:$up_port;
		location / { default_type text/plain; return 200 "hello from the upstream\n"; }
	}
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
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)

WEIR_PREFIX="$work/weir-prefix" WEIR_PROXY_LISTEN="127.0.0.1:$weir_port" \
	WEIR_ADMIN_LISTEN="127.0.0.1:$admin_port" WEIR_LOG_LEVEL=warn GOMAXPROCS=1 \
	"$work/weir" start >"$work/weir.log" 2>&1 &
pids+=($!)

admin="http://127.0.0.1:$admin_port"
for _ in $(seq 100); do
	curl -fs "$admin/status" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$up_port/" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs "$admin/services" --data name=bench --data "url=http://127.0.0.1:$up_port/" >/dev/null
curl -fs "$admin/services/bench/routes" --data 'paths[]=/' --data name=bench >/dev/null

# run NAME URL: warm up, measure, print "NAME req/s p50 p99 non-2xx".
run() {
	wrk -t1 -c"$conns" -d2s "$2" >/dev/null
	wrk -t1 -c"$conns" -d"$duration" --latency "$2" >"$work/$1.txt"
	awk -v name="$1" '/Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2}
		/Non-2xx/ {bad=$NF} END {printf "%s %s %s %s %d\n", name, rps, p50, p99, bad}' "$work/$1.txt"
}

results=()
results+=("$(run nginx "http://127.0.0.1:$ngx_port/")")
results+=("$(run weir "http://127.0.0.1:$weir_port/")")
curl -fs "$admin/wasm/modules" -F name=noop -F "module=@$root/sdk/examples/noop/noop.wasm" >/dev/null
curl -fs "$admin/plugins" -H 'Content-Type: application/json' --data '{"name":"noop","config":{}}' >/dev/null
results+=("$(run weir+noop "http://127.0.0.1:$weir_port/")")

echo "wrk -t1 -c$conns -d$duration --latency, loopback, $(nproc) cores"
printf '%-10s %12s %10s %10s %8s %8s\n' proxy req/s p50 p99 non-2xx ratio
base=$(echo "${results[0]}" | awk '{print $2}')
for r in "${results[@]}"; do
	echo "$r" | awk -v base="$base" '{printf "%-10s %12s %10s %10s %8s %8.2f\n", $1, $2, $3, $4, $5, $2/base}'
done
