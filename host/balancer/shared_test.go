package balancer

import (
	"sync"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store"
)

// TestSharedHealth: transitions of this node's checks and overrides reach the hook;
// other nodes' transitions are adopted when newer, except against a recent verdict of
// this node's own checks, and this node's checks move an adopted state back.
func TestSharedHealth(t *testing.T) {
	r := NewRegistry()
	defer r.Close()
	var mu sync.Mutex
	var heard []Transition
	r.OnTransition(func(tr Transition) {
		mu.Lock()
		heard = append(heard, tr)
		mu.Unlock()
	})
	passive := `{"passive":{"healthy":{"http_statuses":[200],"successes":2},"unhealthy":{"http_statuses":[500],"http_failures":2}}}`
	byName, err := r.Update([]store.Upstream{*upstream("round-robin", passive)}, targets("a:1 100", "b:1 100"))
	if err != nil {
		t.Fatal(err)
	}
	b := byName["up"]
	a := b.targets[0]
	last := func() Transition {
		mu.Lock()
		defer mu.Unlock()
		if len(heard) == 0 {
			return Transition{}
		}
		return heard[len(heard)-1]
	}
	state := func() string { return r.Health("u1")["a:1"] }

	// another node's transition is adopted when newer than anything seen here
	t0 := now()
	if !r.Adopt(Transition{UpstreamID: "u1", Addr: "a:1", Healthy: false, At: t0}) || state() != Unhealthy {
		t.Fatalf("first remote transition not adopted: %s", state())
	}
	if len(heard) != 0 {
		t.Fatalf("an adopted transition was published again: %+v", heard)
	}
	// an older one is not, nor an unknown address or upstream
	if r.Adopt(Transition{UpstreamID: "u1", Addr: "a:1", Healthy: true, At: t0.Add(-time.Second)}) || state() != Unhealthy {
		t.Fatal("older transition adopted")
	}
	if r.Adopt(Transition{UpstreamID: "u1", Addr: "z:1", Healthy: true, At: t0.Add(time.Second)}) ||
		r.Adopt(Transition{UpstreamID: "u2", Addr: "a:1", Healthy: true, At: t0.Add(time.Second)}) {
		t.Fatal("unknown target adopted")
	}
	// this node's own checks move it back (counters start afresh), and say so
	b.Start(a)
	b.Done(a, HTTPStatus, 200, time.Millisecond)
	if state() != Unhealthy {
		t.Fatal("one success flipped it: counters not reset?")
	}
	b.Start(a)
	b.Done(a, HTTPStatus, 200, time.Millisecond)
	own := last()
	if state() != Healthy || own.Addr != "a:1" || !own.Healthy || own.Manual || !own.At.After(t0) || own.UpstreamID != "u1" {
		t.Fatalf("own check's transition: %s, heard %+v", state(), own)
	}
	// its echo changes nothing
	if r.Adopt(own) {
		t.Fatal("own transition adopted again")
	}
	// within Hold of its own verdict, an opposite remote transition is not adopted...
	if r.Adopt(Transition{UpstreamID: "u1", Addr: "a:1", Healthy: false, At: own.At.Add(time.Second)}) || state() != Healthy {
		t.Fatal("remote transition beat a fresh own verdict")
	}
	// ...unless it is an Admin API override, or comes after Hold
	if !r.Adopt(Transition{UpstreamID: "u1", Addr: "a:1", Healthy: false, Manual: true, At: own.At.Add(2 * time.Second)}) {
		t.Fatal("remote override not adopted")
	}
	if !r.Adopt(Transition{UpstreamID: "u1", Addr: "a:1", Healthy: true, At: own.At.Add(3 * time.Second)}) || state() != Healthy {
		t.Fatal("remote transition after an adopted override not adopted")
	}
	// an override here is published as manual
	if err := r.SetHealth("u1", "b:1", false); err != nil {
		t.Fatal(err)
	}
	if m := last(); m.Addr != "b:1" || m.Healthy || !m.Manual {
		t.Fatalf("override published as %+v", m)
	}
	// after Hold, another node's verdict wins over an old own one
	b.Start(a)
	b.Done(a, HTTPStatus, 500, time.Millisecond)
	b.Start(a)
	b.Done(a, HTTPStatus, 500, time.Millisecond)
	own = last()
	if own.Healthy || state() != Unhealthy {
		t.Fatalf("passive failures: %s %+v", state(), own)
	}
	if !r.Adopt(Transition{UpstreamID: "u1", Addr: "a:1", Healthy: true, At: own.At.Add(Hold + time.Second)}) || state() != Healthy {
		t.Fatal("remote transition after Hold not adopted")
	}
}

// TestDisableActive: a registry with active checks off sends no probes.
func TestDisableActive(t *testing.T) {
	r := NewRegistry()
	r.DisableActive()
	defer r.Close()
	active := `{"active":{"healthy":{"interval":0.05,"successes":1,"http_statuses":[200]},"unhealthy":{"interval":0.05,"tcp_failures":1}}}`
	if _, err := r.Update([]store.Upstream{*upstream("round-robin", active)}, targets("127.0.0.1:1 100")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if h := r.Health("u1")["127.0.0.1:1"]; h != Healthy {
		t.Fatalf("probed with active checks off: %s", h)
	}
}
