// Package store holds weir's entity model (Kong's entities), their schemas and
// validation, and the backends that keep them.
package store

import "context"

// Reader is what the proxy needs of a store: one consistent read of every entity, the
// bytes of uploaded modules, and a signal after each change.
type Reader interface {
	// Dataset reads every entity in one consistent transaction.
	Dataset(ctx context.Context) (*Dataset, error)
	// WasmBinary returns the module binary with that sha256 (lower-case hex).
	WasmBinary(ctx context.Context, sha256 string) ([]byte, error)
	// Changes receives a value after one or more committed changes. The channel is
	// buffered by one and never blocks writers: a reader that wakes re-reads everything.
	Changes() <-chan struct{}
}
