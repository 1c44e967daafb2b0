#!/usr/bin/env bash
# Writes the declarative configuration (Kong's _format_version 3.0, JSON) of one of the
# benchmark's weir cases to stdout, for `weir config db_import`:
#
#   gen-config.sh plain   UPSTREAM            (a) one route, no plugins
#   gen-config.sh auth    UPSTREAM            (b) key-auth + rate-limiting, 1 consumer
#   gen-config.sh xform   UPSTREAM            (c) (b) + request- and response-transformer
#   gen-config.sh many    UPSTREAM N          (d) N routes and N consumers, key-auth +
#                                                 rate-limiting on every route
#   gen-config.sh all     UPSTREAM JWT_SECRET every built-in plugin, on four routes
#
# UPSTREAM is host:port of the upstream. Consumer i's key is key-i (the 1-consumer cases
# use key-1); route i of the many case matches /r<i>. Rate limits are high enough never
# to answer 429 during a run: the figure measured is the cost of counting.
set -euo pipefail

case_name=${1:?case}
up=${2:?upstream host:port}

ratelimit='{"name":"rate-limiting","config":{"hour":1000000000,"policy":"local"}}'
keyauth='{"name":"key-auth","config":{"key_names":["apikey"]}}'

case $case_name in
plain)
	cat <<EOF
{"_format_version":"3.0","services":[{"name":"bench","url":"http://$up/",
 "routes":[{"name":"bench","paths":["/"]}]}]}
EOF
	;;
auth)
	cat <<EOF
{"_format_version":"3.0","services":[{"name":"bench","url":"http://$up/",
 "routes":[{"name":"bench","paths":["/"],"plugins":[$keyauth,$ratelimit]}]}],
 "consumers":[{"username":"user-1","keyauth_credentials":[{"key":"key-1"}]}]}
EOF
	;;
xform)
	cat <<EOF
{"_format_version":"3.0","services":[{"name":"bench","url":"http://$up/json",
 "routes":[{"name":"bench","paths":["/"],"plugins":[$keyauth,$ratelimit,
  {"name":"request-transformer","config":{"add":{"headers":["x-bench:1"],"querystring":["from:weir"]},"remove":{"headers":["x-drop"]}}},
  {"name":"response-transformer","config":{"add":{"json":["via:weir"],"headers":["x-served-by:weir"]},"remove":{"json":["drop"]}}}]}]}],
 "consumers":[{"username":"user-1","keyauth_credentials":[{"key":"key-1"}]}]}
EOF
	;;
many)
	n=${3:?number of routes}
	awk -v n="$n" -v up="$up" -v ka="$keyauth" -v rl="$ratelimit" 'BEGIN {
		printf "{\"_format_version\":\"3.0\",\"services\":[{\"name\":\"bench\",\"url\":\"http://%s/\",\"routes\":[\n", up
		for (i = 1; i <= n; i++)
			printf "%s{\"name\":\"r%d\",\"paths\":[\"/r%d\"],\"plugins\":[%s,%s]}\n", (i > 1 ? "," : ""), i, i, ka, rl
		printf "]}],\"consumers\":[\n"
		for (i = 1; i <= n; i++)
			printf "%s{\"username\":\"user-%d\",\"keyauth_credentials\":[{\"key\":\"key-%d\"}]}\n", (i > 1 ? "," : ""), i, i
		printf "]}\n"
	}'
	;;
all)
	secret=${3:?jwt secret}
	# /all carries every plugin that lets a keyed request through; the other
	# authentications and request-termination need routes of their own.
	cat <<EOF
{"_format_version":"3.0","services":[{"name":"bench","url":"http://$up/json",
 "routes":[
  {"name":"all","paths":["/all"],"plugins":[$keyauth,$ratelimit,
   {"name":"acl","config":{"allow":["bench"]}},
   {"name":"correlation-id","config":{}},
   {"name":"cors","config":{"origins":["*"]}},
   {"name":"http-log","config":{"http_endpoint":"http://$up/log"}},
   {"name":"ip-restriction","config":{"allow":["127.0.0.0/8"]}},
   {"name":"prometheus","config":{}},
   {"name":"request-size-limiting","config":{}},
   {"name":"request-transformer","config":{"add":{"headers":["x-bench:1"]}}},
   {"name":"response-transformer","config":{"add":{"json":["via:weir"]}}}]},
  {"name":"basic","paths":["/basic"],"plugins":[{"name":"basic-auth","config":{}}]},
  {"name":"jwt","paths":["/jwt"],"plugins":[{"name":"jwt","config":{}}]},
  {"name":"term","paths":["/term"],"plugins":[{"name":"request-termination","config":{"status_code":200,"message":"ok"}}]}]}],
 "consumers":[{"username":"user-1","keyauth_credentials":[{"key":"key-1"}],
  "basicauth_credentials":[{"username":"user-1","password":"bench"}],
  "jwt_secrets":[{"key":"bench-iss","secret":"$secret","algorithm":"HS256"}],
  "acls":[{"group":"bench"}]}]}
EOF
	;;
*)
	echo "gen-config.sh: unknown case $case_name" >&2
	exit 2
	;;
esac
