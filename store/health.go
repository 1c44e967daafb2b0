package store

import (
	"context"
	"time"
)

// HealthState is the latest health transition of one target address of an upstream, as
// some node saw it: its active or passive checks flipped the state, or an Admin API
// call forced it.
type HealthState struct {
	UpstreamID string
	// Address is the target's "host:port".
	Address string
	// State is "HEALTHY" or "UNHEALTHY".
	State string
	// Node is the id of the node that saw the transition.
	Node string
	// Manual is set for the Admin API's healthy/unhealthy calls.
	Manual bool
	// At is when the node saw it, on its own clock.
	At time.Time
	// Seq orders the writes of the store: each Put gets a larger one. Set by the store.
	Seq int64
}

// HealthStates is what a store that shares health across the nodes on it offers. It is
// optional: the gateway finds it with a type assertion, and without it every node keeps
// its own health.
type HealthStates interface {
	// PutHealthState records a transition. The store keeps one state per (upstream,
	// address): a transition older (by At) than the kept one is dropped.
	PutHealthState(ctx context.Context, s HealthState) error
	// HealthStatesSince returns the states written after seq (0: all), oldest first,
	// and the seq to pass next time.
	HealthStatesSince(ctx context.Context, seq int64) ([]HealthState, int64, error)
	// HealthChanges receives a value when states may have been written, by any node;
	// like Changes it is buffered by one and a reader that wakes reads all since its
	// last seq.
	HealthChanges() <-chan struct{}
}
