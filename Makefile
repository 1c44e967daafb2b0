# weir: build, run and test. `make run` and `make test` are the two commands the
# README gives; both work on a fresh clone with only Go installed.

GO     ?= go
BIN    ?= bin/weir
PREFIX ?= $(CURDIR)/.weir

.PHONY: all plugins build run echo test vet bench bench-micro bench-all pgo clean testdata testdata-check plugin-docs bundle-rust bundle-rust-check

all: build

## plugins: compile the built-in plugins and SDK examples to wasm
plugins:
	bash scripts/build-plugins.sh

## build: the weir binary, with the built-in plugins embedded
build: plugins
	$(GO) build -trimpath -o $(BIN) ./cmd/weir

## run: start weir on the embedded store (proxy :8000, Admin API 127.0.0.1:8001)
run: build
	WEIR_PREFIX=$${WEIR_PREFIX:-$(PREFIX)} $(BIN) start

## echo: the quick start's upstream on 127.0.0.1:9999
echo: build
	$(BIN) echo-server --listen 127.0.0.1:9999

## test: vet and test the gateway and the SDK (end-to-end tests drive the real binary)
test: plugins vet
	$(GO) test -count=1 ./...
	cd sdk && $(GO) test -count=1 ./...

## plugin-docs: regenerate docs/plugins from the built-in plugins' schema.json files
plugin-docs:
	$(GO) test ./plugins-wasm -run TestPluginDocsUpToDate -update -count=1

## bundle-rust: rebuild the built-ins written in Rust (plugins-wasm/bundle-rust, committed)
## and run their unit tests; needs apt-get install rustc libstd-rust-dev-wasm32
bundle-rust:
	bash plugins-wasm/bundle-rust/build.sh

## bundle-rust-check: fail when the committed bundle-rust.wasm does not match its sources
bundle-rust-check:
	bash plugins-wasm/bundle-rust/build.sh --check

## testdata: rebuild the wasm fixtures in testdata/ (needs every language's toolchain)
testdata:
	bash scripts/build-testdata.sh

## testdata-check: fail when a committed fixture does not match its source
testdata-check:
	bash scripts/build-testdata.sh --check

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt -w these files:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd sdk && $(GO) vet ./...

## bench: weir side by side with nginx and haproxy over loopback (scripts/bench/run.sh;
## needs wrk, nginx and haproxy: apt-get install wrk nginx haproxy). ROUNDS, DURATION
## and the other knobs are in the script's header; BENCH_SMOKE=1 for the short run.
bench: build
	WEIR_BIN=$(CURDIR)/$(BIN) bash scripts/bench/run.sh

## bench-micro: the hot path's Go benchmarks (router, proxy path, wasm callback,
## built-in plugins), -count 6, summarised by benchstat (scripts/bench/micro.sh)
bench-micro: plugins
	bash scripts/bench/micro.sh

## pgo: profile the benchmark's weir nodes under load and write cmd/weir/default.pgo,
## the profile every build of the binary is optimized with (scripts/bench/pgo.sh)
pgo: plugins
	bash scripts/bench/pgo.sh

## bench-all: every Go benchmark in the module once, with -benchmem (what `make bench`
## ran before it drove the side-by-side comparison)
bench-all: plugins
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin plugins-wasm/dist/*.wasm sdk/examples/*/*.wasm
