package balancer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store"
)

func upstream(algorithm string, healthchecks string) *store.Upstream {
	return &store.Upstream{ID: "u1", Name: "up", Algorithm: algorithm, Slots: 1000, Healthchecks: json.RawMessage(healthchecks)}
}

func targets(specs ...string) []store.Target {
	var out []store.Target
	for i, s := range specs {
		var addr string
		var w int
		fmt.Sscanf(s, "%s %d", &addr, &w)
		out = append(out, store.Target{ID: fmt.Sprint("t", i), Upstream: &store.Ref{ID: "u1"}, Target: addr, Weight: w})
	}
	return out
}

func mustBalancer(t *testing.T, u *store.Upstream, ts []store.Target) *Balancer {
	t.Helper()
	b, err := newBalancer(u, ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func counts(t *testing.T, b *Balancer, n int, key func(i int) string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for i := 0; i < n; i++ {
		tg, err := b.Pick(key(i), nil)
		if err != nil {
			t.Fatal(err)
		}
		out[tg.Addr]++
	}
	return out
}

func TestRoundRobinWeights(t *testing.T) {
	b := mustBalancer(t, upstream("round-robin", ""), targets("a:1 300", "b:1 100", "c:1 0", "d 100"))
	got := counts(t, b, 500, func(int) string { return "" })
	want := map[string]int{"a:1": 300, "b:1": 100, "d:8000": 100}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v (weight 0 gets nothing, a missing port is 8000)", got, want)
	}
}

func TestConsistentHashing(t *testing.T) {
	b := mustBalancer(t, upstream("consistent-hashing", ""), targets("a:1 100", "b:1 100", "c:1 100"))
	first := map[string]string{}
	for i := 0; i < 200; i++ {
		k := fmt.Sprint("user-", i)
		tg, _ := b.Pick(k, nil)
		first[k] = tg.Addr
	}
	spread := map[string]int{}
	for k, addr := range first {
		tg, _ := b.Pick(k, nil)
		if tg.Addr != addr {
			t.Fatalf("key %s moved from %s to %s", k, addr, tg.Addr)
		}
		spread[addr]++
	}
	if len(spread) != 3 {
		t.Fatalf("keys landed on %v, want all three targets", spread)
	}
	weighted := mustBalancer(t, upstream("consistent-hashing", ""), targets("a:1 100", "b:1 100", "c:1 200"))
	share := counts(t, weighted, 4000, func(i int) string { return fmt.Sprint("k", i) })
	if share["c:1"] < 1600 || share["c:1"] > 2400 || share["a:1"] < 700 || share["b:1"] < 700 {
		t.Fatalf("4,000 keys over weights 100/100/200 landed %v", share)
	}
	// a target marked down: only its keys move
	b.SetHealth("b:1", false)
	for k, addr := range first {
		tg, _ := b.Pick(k, nil)
		if addr != "b:1" && tg.Addr != addr || tg.Addr == "b:1" {
			t.Fatalf("key %s: %s -> %s after b went down", k, addr, tg.Addr)
		}
	}
}

func TestLeastConnections(t *testing.T) {
	b := mustBalancer(t, upstream("least-connections", ""), targets("a:1 100", "b:1 100"))
	a, _ := b.Pick("", nil)
	b.Start(a)
	for i := 0; i < 5; i++ {
		got, _ := b.Pick("", nil)
		if got == a {
			t.Fatalf("picked the busy target %s", a.Addr)
		}
	}
	b.Done(a, HTTPStatus, 200, time.Millisecond)
}

func TestLatency(t *testing.T) {
	b := mustBalancer(t, upstream("latency", ""), targets("slow:1 100", "fast:1 100"))
	for _, tg := range b.Targets() {
		b.Start(tg)
		d := time.Millisecond
		if tg.Addr == "slow:1" {
			d = 50 * time.Millisecond
		}
		b.Done(tg, HTTPStatus, 200, d)
	}
	got := counts(t, b, 10, func(int) string { return "" })
	if got["fast:1"] != 10 {
		t.Fatalf("got %v, want every pick on the fast target", got)
	}
}

const passive = `{"active":{"healthy":{"interval":0},"unhealthy":{"interval":0}},
 "passive":{"healthy":{"http_statuses":[200],"successes":1},
  "unhealthy":{"http_statuses":[500],"http_failures":2,"tcp_failures":1,"timeouts":1}},"threshold":0}`

func TestPassiveHealth(t *testing.T) {
	tests := []struct {
		name     string
		outcomes []Outcome
		statuses []int
		want     string
	}{
		{"one 500 is not enough", []Outcome{HTTPStatus}, []int{500}, Healthy},
		{"two 500s", []Outcome{HTTPStatus, HTTPStatus}, []int{500, 500}, Unhealthy},
		{"a success in between resets", []Outcome{HTTPStatus, HTTPStatus, HTTPStatus}, []int{500, 200, 500}, Healthy},
		{"tcp failure", []Outcome{TCPFailure}, []int{0}, Unhealthy},
		{"timeout", []Outcome{Timeout}, []int{0}, Unhealthy},
		{"a passive success revives (successes 1)", []Outcome{TCPFailure, HTTPStatus}, []int{0, 200}, Healthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustBalancer(t, upstream("round-robin", passive), targets("a:1 100", "b:1 100"))
			a := b.Targets()[0]
			for i, o := range tt.outcomes {
				b.Start(a)
				b.Done(a, o, tt.statuses[i], time.Millisecond)
			}
			if got := b.HealthOf()["a:1"]; got != tt.want {
				t.Fatalf("health %s, want %s", got, tt.want)
			}
			if tt.want == Unhealthy {
				for i := 0; i < 4; i++ {
					if got, _ := b.Pick("", nil); got == a {
						t.Fatal("picked the unhealthy target")
					}
				}
			}
		})
	}
}

func TestNoPeerAndThreshold(t *testing.T) {
	b := mustBalancer(t, upstream("round-robin", `{"threshold":60}`), targets("a:1 100", "b:1 100"))
	if b.HealthOf()["a:1"] != HealthChecksOff {
		t.Fatalf("health %v, want HEALTHCHECKS_OFF without checks", b.HealthOf())
	}
	first, _ := b.Pick("", nil)
	if _, err := b.Pick("", []*Target{first, b.Targets()[1-indexOf(b, first)]}); err != ErrNoPeer {
		t.Fatalf("err %v, want ErrNoPeer when every target was tried", err)
	}
	b.SetHealth("a:1", false) // 50% healthy, under the 60% threshold
	if _, err := b.Pick("", nil); err != ErrNoPeer {
		t.Fatalf("err %v, want ErrNoPeer under the threshold", err)
	}
	empty := mustBalancer(t, upstream("round-robin", ""), nil)
	if _, err := empty.Pick("", nil); err != ErrNoPeer {
		t.Fatalf("err %v, want ErrNoPeer without targets", err)
	}
}

func indexOf(b *Balancer, t *Target) int {
	for i, x := range b.Targets() {
		if x == t {
			return i
		}
	}
	return -1
}

// TestActiveChecks probes a live HTTP target, a failing one and a closed port; each
// must reach its state (the test waits for the state, it does not time anything).
func TestActiveChecks(t *testing.T) {
	var fail atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/status" || r.Header.Get("x-probe") != "1" || fail.Load() {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	for _, typ := range []string{"http", "tcp"} {
		t.Run(typ, func(t *testing.T) {
			checks := `{"active":{"type":"` + typ + `","timeout":1,"http_path":"/status","headers":{"x-probe":["1"]},
			 "healthy":{"interval":0.02,"http_statuses":[200],"successes":1},
			 "unhealthy":{"interval":0.02,"http_statuses":[500],"http_failures":1,"tcp_failures":1,"timeouts":1}}}`
			r := NewRegistry()
			defer r.Close()
			live := srv.Listener.Addr().String()
			if _, err := r.Update([]store.Upstream{*upstream("round-robin", checks)}, targets(live+" 100", closed+" 100")); err != nil {
				t.Fatal(err)
			}
			waitHealth(t, r, closed, Unhealthy)
			waitHealth(t, r, live, Healthy)
			if typ == "http" {
				fail.Store(true)
				waitHealth(t, r, live, Unhealthy)
				fail.Store(false)
				waitHealth(t, r, live, Healthy)
			}
		})
	}
}

func waitHealth(t *testing.T, r *Registry, addr, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for r.Health("u1")[addr] != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed %s, want %s", addr, r.Health("u1")[addr], want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRegistryKeepsHealth(t *testing.T) {
	r := NewRegistry()
	defer r.Close()
	u := upstream("round-robin", passive)
	bs, err := r.Update([]store.Upstream{*u}, targets("a:1 100", "b:1 100"))
	if err != nil {
		t.Fatal(err)
	}
	bs["up"].SetHealth("a:1", false)
	same, _ := r.Update([]store.Upstream{*u}, targets("a:1 100", "b:1 100"))
	if same["up"] != bs["up"] {
		t.Fatal("an unchanged upstream got a new balancer")
	}
	changed, _ := r.Update([]store.Upstream{*u}, targets("a:1 100", "b:1 100", "c:1 5"))
	if changed["up"] == bs["up"] || changed["up"].HealthOf()["a:1"] != Unhealthy || changed["up"].HealthOf()["c:1"] != Healthy {
		t.Fatalf("after a target was added: %v, want a:1 still unhealthy", changed["up"].HealthOf())
	}
	gone, _ := r.Update(nil, nil)
	if len(gone) != 0 || r.Health("u1") != nil {
		t.Fatal("a removed upstream is still there")
	}
	if _, err := r.Update([]store.Upstream{*upstream("round-robin", `{"threshold":"x"}`)}, nil); err == nil {
		t.Fatal("a bad healthchecks record was accepted")
	}
}

func TestRegistrySetHealth(t *testing.T) {
	r := NewRegistry()
	defer r.Close()
	withChecks := *upstream("round-robin", passive)
	without := store.Upstream{ID: "u2", Name: "plain", Algorithm: "round-robin"}
	ts := append(targets("a:1 100"), store.Target{ID: "x", Upstream: &store.Ref{ID: "u2"}, Target: "b:1", Weight: 100})
	if _, err := r.Update([]store.Upstream{withChecks, without}, ts); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, upstream, addr string
		healthy              bool
		wantErr              error
		want                 string
	}{
		{"mark unhealthy", "u1", "a:1", false, nil, Unhealthy},
		{"mark healthy", "u1", "a:1", true, nil, Healthy},
		{"unknown target", "u1", "z:1", false, ErrNoTarget, Healthy},
		{"upstream without checks", "u2", "b:1", false, ErrNoHealthchecker, ""},
		{"unknown upstream", "nope", "a:1", false, ErrNoHealthchecker, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.SetHealth(tt.upstream, tt.addr, tt.healthy)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if tt.want != "" && r.Health("u1")["a:1"] != tt.want {
				t.Fatalf("a:1 is %s, want %s", r.Health("u1")["a:1"], tt.want)
			}
		})
	}
}
