package host

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/weir-gateway/weir/host/balancer"
	"github.com/weir-gateway/weir/store"
)

// memHealth is an in-memory store.HealthStates.
type memHealth struct {
	mu      sync.Mutex
	rows    []store.HealthState
	changes chan struct{}
}

func (m *memHealth) PutHealthState(_ context.Context, st store.HealthState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st.Seq = int64(len(m.rows) + 1)
	m.rows = append(m.rows, st)
	return nil
}

func (m *memHealth) HealthStatesSince(_ context.Context, seq int64) ([]store.HealthState, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]store.HealthState(nil), m.rows[seq:]...), int64(len(m.rows)), nil
}

func (m *memHealth) HealthChanges() <-chan struct{} { return m.changes }

func (m *memHealth) written() []store.HealthState {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]store.HealthState(nil), m.rows...)
}

// TestSharedHealthLoop: overrides are written with this node's id; states other nodes
// wrote are adopted when the store signals, and again for a target added later.
func TestSharedHealthLoop(t *testing.T) {
	reg := balancer.NewRegistry()
	defer reg.Close()
	mem := &memHealth{changes: make(chan struct{}, 1)}
	sh := newSharedHealth(mem, reg, "node-a", nil)
	up := store.Upstream{ID: "u1", Name: "up", Algorithm: "round-robin",
		Healthchecks: json.RawMessage(`{"passive":{"unhealthy":{"tcp_failures":1}}}`)}
	target := func(id, addr string) store.Target {
		return store.Target{ID: id, Upstream: &store.Ref{ID: "u1"}, Target: addr, Weight: 100}
	}
	if _, err := reg.Update([]store.Upstream{up}, []store.Target{target("t1", "10.0.0.1:80")}); err != nil {
		t.Fatal(err)
	}
	sh.start(context.Background())
	defer sh.close()
	wait := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); {
			if time.Now().After(deadline) {
				t.Fatal(what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	if err := reg.SetHealth("u1", "10.0.0.1:80", false); err != nil {
		t.Fatal(err)
	}
	wait("override not written", func() bool { return len(mem.written()) == 1 })
	if w := mem.written()[0]; w.Node != "node-a" || w.State != balancer.Unhealthy || !w.Manual || w.Address != "10.0.0.1:80" {
		t.Fatalf("written %+v", w)
	}

	// another node marks it healthy, and marks a target this node does not have yet
	at := time.Now().Add(time.Second)
	_ = mem.PutHealthState(context.Background(), store.HealthState{UpstreamID: "u1", Address: "10.0.0.1:80", State: balancer.Healthy, Node: "node-b", At: at})
	_ = mem.PutHealthState(context.Background(), store.HealthState{UpstreamID: "u1", Address: "10.0.0.2:80", State: balancer.Unhealthy, Node: "node-b", At: at})
	mem.changes <- struct{}{}
	wait("remote transition not adopted", func() bool { return reg.Health("u1")["10.0.0.1:80"] == balancer.Healthy })
	if _, err := reg.Update([]store.Upstream{up}, []store.Target{target("t1", "10.0.0.1:80"), target("t2", "10.0.0.2:80")}); err != nil {
		t.Fatal(err)
	}
	sh.reapply()
	if h := reg.Health("u1"); h["10.0.0.2:80"] != balancer.Unhealthy || h["10.0.0.1:80"] != balancer.Healthy {
		t.Fatalf("after the new target: %v", h)
	}
	if n := len(mem.written()); n != 3 {
		t.Fatalf("adopted states were written again: %d rows", n)
	}
}
