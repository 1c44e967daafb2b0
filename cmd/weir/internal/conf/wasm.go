package conf

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Wasm holds the sandbox limits every plugin instance runs under.
type Wasm struct {
	// MemoryLimit caps one instance's linear memory, in bytes (a multiple of the
	// 64 KiB wasm page). A guest that grows past it fails its allocation and, in
	// practice, traps; only that instance is replaced.
	MemoryLimit int64
	// CallbackTimeout bounds one call into a guest (a callback, with the host calls it
	// makes). Past it the instance is closed and replaced.
	CallbackTimeout time.Duration
	// CrashBackoff is the first wait before replacing an instance that crashed again
	// soon after its last replacement; it doubles with every further crash.
	CrashBackoff time.Duration
}

// Wasm property defaults: 64 MiB leaves a standard-Go guest (2.4 MB at start) room for
// its heap while keeping a pool's worst case countable; 5 s is far beyond any callback
// a filter should need and still ends an endless loop.
const (
	defaultWasmMemoryLimit     = "64m"
	defaultWasmCallbackTimeout = "5000"
	defaultWasmCrashBackoff    = "1000"
	wasmPage                   = 64 << 10
	maxWasmMemory              = 4 << 30 // wasm32's whole address space
)

// parseWasm reads wasm_memory_limit (Kong's size syntax: a number of bytes with an
// optional k, m or g suffix, as mem_cache_size), wasm_callback_timeout and
// wasm_crash_backoff (milliseconds, as Kong's other timeouts).
func parseWasm(props map[string]string) (Wasm, []error) {
	var w Wasm
	var errs []error
	mem, err := parseSize(props["wasm_memory_limit"])
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("wasm_memory_limit: %w", err))
	case mem < wasmPage || mem > maxWasmMemory:
		errs = append(errs, fmt.Errorf("wasm_memory_limit: %d bytes is outside 64k..4g", mem))
	default:
		w.MemoryLimit = (mem + wasmPage - 1) / wasmPage * wasmPage
	}
	if w.CallbackTimeout, err = parseMillis(props["wasm_callback_timeout"]); err != nil {
		errs = append(errs, fmt.Errorf("wasm_callback_timeout: %w", err))
	}
	if w.CrashBackoff, err = parseMillis(props["wasm_crash_backoff"]); err != nil {
		errs = append(errs, fmt.Errorf("wasm_crash_backoff: %w", err))
	}
	return w, errs
}

// parseMillis parses a positive number of milliseconds.
func parseMillis(v string) (time.Duration, error) {
	ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || ms <= 0 || ms > int64(time.Hour/time.Millisecond) {
		return 0, fmt.Errorf("%q is not a number of milliseconds between 1 and 3600000", v)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// parseSize parses "65536", "512k", "64m" or "1g" (suffixes in either case).
func parseSize(v string) (int64, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	mult := int64(1)
	if v != "" {
		switch v[len(v)-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		}
		if mult > 1 {
			v = v[:len(v)-1]
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > maxWasmMemory/mult+1 {
		return 0, fmt.Errorf("%q is not a size (a number with an optional k, m or g suffix)", v)
	}
	return n * mult, nil
}
