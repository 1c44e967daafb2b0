package abi

import "errors"

// Sentinel errors. Every error the package returns wraps one of these (or a context
// error) with the details, so callers branch with errors.Is.
var (
	// ErrInvalidModule: the binary is not a proxy-wasm module this host can run (no ABI
	// marker export, an import the host does not provide, a callback with the wrong
	// signature, or not wasm at all).
	ErrInvalidModule = errors.New("invalid proxy-wasm module")
	// ErrInstanceFailed: the instance trapped, exited, ran past its deadline or was
	// closed. It must be retired; it is never called again.
	ErrInstanceFailed = errors.New("proxy-wasm instance failed")
	// ErrConfigureRejected: the guest returned false from proxy_on_vm_start or
	// proxy_on_configure, so this VM or plugin configuration must not be used.
	ErrConfigureRejected = errors.New("proxy-wasm plugin rejected its configuration")
)
