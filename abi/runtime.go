package abi

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Config tunes a Runtime. The zero value is usable.
type Config struct {
	// MemoryLimitPages caps each instance's linear memory in 64 KiB pages; 0 means
	// DefaultMemoryLimitPages (64 MiB).
	MemoryLimitPages uint32
	// CallbackTimeout bounds every call into a guest; 0 means 5s. Past it the instance
	// is closed and retired.
	CallbackTimeout time.Duration
	// CompilationCacheDir keeps wazero's compiled code on disk so a restart does not
	// recompile; "" keeps it in memory only.
	CompilationCacheDir string
}

const defaultCallbackTimeout = 5 * time.Second

// Runtime is one wazero runtime with the proxy-wasm host functions and WASI registered.
// Modules compiled by a Runtime are instantiated in it; close it last.
type Runtime struct {
	rt      wazero.Runtime
	cache   wazero.CompilationCache
	timeout time.Duration
	// shared, queues and metrics are the host state all instances share.
	shared  *sharedData
	queues  *queues
	metrics *Metrics
	// watchdogs enforces the callback deadline of every instance.
	watchdogs *watchdogs
	// callbacks times every plugin's callbacks (callstats.go).
	callbacks callbackStats
	// goMemLimit is GOMEMLIMIT as every instance's environment carries it (instance.go).
	goMemLimit string
}

// NewRuntime builds the wazero runtime: the memory cap set, and the env,
// wasi_snapshot_preview1 and wasi_unstable host modules registered. wazero's own
// close-on-deadline stays off: weir instruments every module's loops itself, which
// stops an endless loop at a fraction of the cost (interrupt.go).
func NewRuntime(ctx context.Context, cfg Config) (*Runtime, error) {
	pages := cfg.MemoryLimitPages
	if pages == 0 {
		pages = DefaultMemoryLimitPages
	}
	r := &Runtime{timeout: cfg.CallbackTimeout, shared: newSharedData(), queues: newQueues(), metrics: newMetrics(),
		goMemLimit: goMemLimit(pages)}
	if r.timeout <= 0 {
		r.timeout = defaultCallbackTimeout
	}
	r.watchdogs = newWatchdogs(r.timeout)
	rc := wazero.NewRuntimeConfig().WithMemoryLimitPages(pages)
	if cfg.CompilationCacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cfg.CompilationCacheDir)
		if err != nil {
			return nil, fmt.Errorf("open compilation cache %s: %w", cfg.CompilationCacheDir, err)
		}
		r.cache = cache
		rc = rc.WithCompilationCache(cache)
	}
	r.rt = wazero.NewRuntimeWithConfig(ctx, rc)
	if err := r.registerHostModules(ctx); err != nil {
		_ = r.Close(ctx)
		return nil, err
	}
	return r, nil
}

// goMemLimit is the soft memory limit a Go guest's runtime gets, through GOMEMLIMIT in
// its WASI environment: three quarters of the instance's cap, so a Go heap near the
// cap collects harder instead of growing into it and trapping, and a heap far below
// it collects no more often than GOGC says. Derived from the cap, it follows
// wasm_memory_limit; modules in other languages ignore the variable.
func goMemLimit(pages uint32) string {
	return strconv.FormatUint(uint64(pages)*(64<<10)*3/4, 10) + "B"
}

// registerHostModules instantiates env (the proxy-wasm imports) and WASI under both of
// its names: 0.1.0-era TinyGo and Emscripten modules import wasi_unstable.
func (r *Runtime) registerHostModules(ctx context.Context) error {
	env := r.rt.NewHostModuleBuilder("env")
	for _, h := range hostFunctions() {
		env.NewFunctionBuilder().WithGoModuleFunction(h.fn, h.params, h.results).Export(h.name)
	}
	if _, err := env.Instantiate(ctx); err != nil {
		return fmt.Errorf("register env host module: %w", err)
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r.rt); err != nil {
		return fmt.Errorf("register wasi_snapshot_preview1: %w", err)
	}
	unstable := r.rt.NewHostModuleBuilder("wasi_unstable")
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(unstable)
	if _, err := unstable.Instantiate(ctx); err != nil {
		return fmt.Errorf("register wasi_unstable: %w", err)
	}
	return nil
}

// Close releases the runtime, every module compiled in it and every instance.
func (r *Runtime) Close(ctx context.Context) error {
	// Instances close first, each once its callback in progress returns (the scanner
	// still enforces deadlines meanwhile): an instance's memory is unmapped when it
	// closes, so it must never close under a running guest.
	for _, inst := range r.watchdogs.instances() {
		_ = inst.Close(ctx)
	}
	r.watchdogs.close()
	err := r.rt.Close(ctx)
	if r.cache != nil {
		if cerr := r.cache.Close(ctx); cerr != nil && err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("close wasm runtime: %w", err)
	}
	return nil
}
