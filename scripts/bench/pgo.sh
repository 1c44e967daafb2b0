#!/usr/bin/env bash
# Regenerates cmd/weir/default.pgo, the CPU profile `go build` reads to optimize the
# weir binary for where a node spends its time (Go's profile-guided optimization: hot
# calls inlined, hot interface calls devirtualized; -pgo=auto picks the file up for
# every build of ./cmd/weir, `make build` and the end-to-end tests' included).
#
#   scripts/bench/pgo.sh          # or: make pgo
#
# The profile is the merge of the benchmark's four weir nodes under load, (a) no
# plugins, (b) key-auth and rate-limiting, (c) with the transformers and (d) 10,000
# routes and consumers, each profiled for DURATION (default 30s) by one round of
# scripts/bench/run.sh (PROFILE_DIR). Run it again when the hot path changes much:
# Go matches a profile to the source by function and line offset, so a stale profile
# still builds, it only optimizes less. Needs what run.sh needs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

work=$(mktemp -d /tmp/weir-pgo.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "pgo: profiling (a), (b), (c) and (d) under load, ${DURATION:-30s} each" >&2
ROUNDS=1 DURATION=${DURATION:-30s} STARTS=1 PROFILE_DIR="$work" bash "$here/run.sh" >"$work/run.txt"
for c in a b c d; do
	[ -s "$work/$c.cpu" ] || { echo "pgo: no profile of weir ($c); run.sh said: $(tail -5 "$work/run.txt")" >&2; exit 1; }
done
(cd "$root" && go tool pprof -proto "$work"/{a,b,c,d}.cpu >"$work/default.pgo")
mv "$work/default.pgo" "$root/cmd/weir/default.pgo"
echo "pgo: wrote cmd/weir/default.pgo ($(wc -c <"$root/cmd/weir/default.pgo") bytes); rebuild weir to use it" >&2
