package store

import (
	"context"
	"time"
)

// CounterKey names one rate-limiting counter: what is limited (Key: route, service and
// identifier, as the plugin composes it), the Period (second .. year) and the Start of
// the fixed window it counts, as Kong's ratelimiting_metrics rows do.
type CounterKey struct {
	Key    string    `json:"key"`
	Period string    `json:"period"`
	Start  time.Time `json:"start"`
	// Expires is when the window is over; a store may drop the counter after it.
	Expires time.Time `json:"expires"`
}

// CounterIncrement adds Delta to each of its keys.
type CounterIncrement struct {
	Keys  []CounterKey
	Delta int64
}

// Counters is implemented by stores that keep rate-limiting counters for Kong's
// `cluster` policy, shared by every node on the database. It is optional: the proxy
// checks for it with a type assertion, and a store without it makes the policy fail
// (the plugin's fault_tolerant decides what the client sees).
type Counters interface {
	// IncrementCounters applies the increments in order, all in one transaction, and
	// returns for each increment the value of each of its keys just after it: exact
	// even when other nodes increment the same keys at the same time.
	IncrementCounters(ctx context.Context, incs []CounterIncrement) ([][]int64, error)
	// PurgeCounters drops the counters whose window expired before now.
	PurgeCounters(ctx context.Context, now time.Time) error
}
