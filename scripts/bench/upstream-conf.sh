#!/usr/bin/env bash
# Writes the nginx configuration of the benchmarks' upstream to stdout: one worker in
# the foreground, keep-alive without limit, a 24-byte text body at / and a 50-byte JSON
# body at /json (case (c)'s), its files under PREFIX.
#
#   upstream-conf.sh 127.0.0.1:19100 /tmp/work/upstream >nginx.conf
set -euo pipefail
listen=${1:?host:port to listen on} prefix=${2:?the directory of its pid and logs}
cat <<NGINX
daemon off;
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;
events { worker_connections 8192; }
http {
	access_log off;
	keepalive_requests 1000000;
	server {
		listen $listen;
		location /json { default_type application/json; return 200 '{"message":"hello from the upstream","drop":true}\n'; }
		location / { default_type text/plain; return 200 "hello from the upstream\n"; }
	}
}
NGINX
