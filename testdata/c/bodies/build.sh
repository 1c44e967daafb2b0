#!/usr/bin/env bash
# Builds bodies.wasm from bodies.c with Debian's clang and wasi-libc
# (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32). Usage: build.sh [OUT]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
clang --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor -O2 \
	-Wl,--export=malloc -Wl,--strip-all -o "${1:-bodies.wasm}" bodies.c
