package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
)

// RunHealthStates checks a backend's store.HealthStates: one state per (upstream,
// address), older transitions dropped, reads since a seq see only later writes.
func RunHealthStates(t *testing.T, open Opener) {
	s := open(t)
	t.Cleanup(func() { _ = s.Close() })
	hs, ok := s.(store.HealthStates)
	if !ok {
		t.Fatalf("%T does not implement store.HealthStates", s)
	}
	up := &store.Upstream{ID: uuid.NewString(), Name: "shared", Healthchecks: []byte(`{}`)}
	must(t, s.Upstreams().Insert(ctx, up))

	got, next, err := hs.HealthStatesSince(ctx, 0)
	must(t, err)
	if len(got) != 0 || next != 0 {
		t.Fatalf("empty store: %+v, next %d", got, next)
	}
	t0 := time.Now().Truncate(time.Millisecond)
	put := func(addr, state, node string, at time.Time, manual bool) {
		t.Helper()
		must(t, hs.PutHealthState(ctx, store.HealthState{UpstreamID: up.ID, Address: addr, State: state,
			Node: node, At: at, Manual: manual}))
	}
	since := func(seq int64) ([]store.HealthState, int64) {
		t.Helper()
		got, next, err := hs.HealthStatesSince(ctx, seq)
		must(t, err)
		if next < seq {
			t.Fatalf("next %d went back from %d", next, seq)
		}
		return got, next
	}

	put("10.0.0.1:80", "UNHEALTHY", "node-a", t0, false)
	got, first := since(0)
	if len(got) != 1 || got[0].Address != "10.0.0.1:80" || got[0].State != "UNHEALTHY" || got[0].Node != "node-a" ||
		got[0].UpstreamID != up.ID || !got[0].At.Equal(t0) || got[0].Manual || got[0].Seq != first || first <= 0 {
		t.Fatalf("after one put: %+v, next %d", got, first)
	}
	put("10.0.0.2:80", "UNHEALTHY", "node-b", t0.Add(time.Second), true)
	got, second := since(first)
	if len(got) != 1 || got[0].Address != "10.0.0.2:80" || !got[0].Manual || second <= first {
		t.Fatalf("since %d: %+v, next %d", first, got, second)
	}
	// an older transition of the same address is dropped
	put("10.0.0.1:80", "HEALTHY", "node-b", t0.Add(-time.Second), false)
	if got, n := since(second); len(got) != 0 || n != second {
		t.Fatalf("older transition kept: %+v, next %d", got, n)
	}
	// a newer one replaces it and is read again
	put("10.0.0.1:80", "HEALTHY", "node-b", t0.Add(2*time.Second), false)
	got, third := since(second)
	if len(got) != 1 || got[0].State != "HEALTHY" || got[0].Node != "node-b" || !got[0].At.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("newer transition: %+v", got)
	}
	// a full read has one state per address, oldest write first
	all, n := since(0)
	if len(all) != 2 || n != third || all[0].Address != "10.0.0.2:80" || all[1].Address != "10.0.0.1:80" ||
		all[1].State != "HEALTHY" {
		t.Fatalf("all states: %+v, next %d", all, n)
	}
}
