package cassandra

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/weir-gateway/weir/store"
)

// Health states live in one partition of health_states, a row per (upstream, address).
// Cassandra has no sequence, so the store numbers what it hands out itself: each read
// takes the whole partition and returns the rows that differ from what it returned
// before, under a new number. A row that became visible late (a write at consistency
// ONE reaching the polled replica after a later one) is therefore still returned, and
// nodes' clocks play no part in what a read returns. Timestamps keep milliseconds.

const healthPartition = "health"

// healthReader is what this store has returned from health_states.
type healthReader struct {
	mu      sync.Mutex
	seq     int64
	given   map[[2]string]store.HealthState
	changes chan struct{}
}

func (h *healthReader) signal() {
	select {
	case h.changes <- struct{}{}:
	default:
	}
}

// PutHealthState implements store.HealthStates. A transition older than the kept one
// is dropped; two nodes writing the same target at the same instant keep either, which
// the readers, comparing times, settle.
func (s *Store) PutHealthState(ctx context.Context, st store.HealthState) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var kept time.Time
	err := s.sess.Query(`SELECT at FROM health_states WHERE channel = ? AND upstream_id = ? AND address = ?`,
		healthPartition, st.UpstreamID, st.Address).WithContext(ctx).Scan(&kept)
	switch {
	case err == nil && st.At.Truncate(time.Millisecond).Before(kept):
		return nil
	case err != nil && !errors.Is(err, gocql.ErrNotFound):
		return s.fail(ctx, fmt.Errorf("read health state: %w", err))
	}
	err = s.sess.Query(`INSERT INTO health_states (channel, upstream_id, address, state, node, manual, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, healthPartition, st.UpstreamID, st.Address, st.State, st.Node, st.Manual, st.At).
		WithContext(ctx).Exec()
	if err != nil {
		return s.fail(ctx, fmt.Errorf("put health state: %w", err))
	}
	return nil
}

// HealthStatesSince implements store.HealthStates: 0 returns every state, any other
// seq those that changed since this store last returned them.
func (s *Store) HealthStatesSince(ctx context.Context, seq int64) ([]store.HealthState, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	iter := s.sess.Query(`SELECT upstream_id, address, state, node, manual, at FROM health_states WHERE channel = ?`,
		healthPartition).WithContext(ctx).PageSize(1000).Iter()
	var all []store.HealthState
	var st store.HealthState
	for iter.Scan(&st.UpstreamID, &st.Address, &st.State, &st.Node, &st.Manual, &st.At) {
		all = append(all, st)
	}
	if err := iter.Close(); err != nil {
		return nil, seq, s.fail(ctx, fmt.Errorf("read health states: %w", err))
	}
	slices.SortStableFunc(all, func(a, b store.HealthState) int { return a.At.Compare(b.At) })
	h := &s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.given == nil {
		h.given = map[[2]string]store.HealthState{}
	}
	var changed []store.HealthState
	for _, st := range all {
		key := [2]string{st.UpstreamID, st.Address}
		old, ok := h.given[key]
		if !ok || old.State != st.State || old.Node != st.Node || old.Manual != st.Manual || !old.At.Equal(st.At) {
			h.seq++
			st.Seq = h.seq
			h.given[key] = st
			changed = append(changed, st)
		}
	}
	if seq == 0 {
		out := make([]store.HealthState, 0, len(h.given))
		for _, st := range h.given {
			out = append(out, st)
		}
		slices.SortFunc(out, func(a, b store.HealthState) int { return cmp.Compare(a.Seq, b.Seq) })
		return out, h.seq, nil
	}
	return changed, max(seq, h.seq), nil
}

// HealthChanges implements store.HealthStates: it fires at every poll.
func (s *Store) HealthChanges() <-chan struct{} { return s.health.changes }

var _ store.HealthStates = (*Store)(nil)
