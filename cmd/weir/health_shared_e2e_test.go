package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store/postgres/pgtest"
)

// TestSharedHealth runs nodes on one PostgreSQL and checks that target health is
// shared: Kong's manual overrides made on node A reach node B, and (beyond Kong) so do
// the transitions of A's active checks, to B, which sends no probes of its own
// (active_healthchecks = off), and to a node started later.
func TestSharedHealth(t *testing.T) {
	bin := buildWeir(t)
	env := pgEnv(t, pgtest.Database(t))
	if out, code := weirCmd(t, bin, env, "migrations", "bootstrap"); code != 0 {
		t.Fatalf("bootstrap: %s", out)
	}
	passive := append([]string{"WEIR_ACTIVE_HEALTHCHECKS=off"}, env...)
	a, b := startPgNode(t, bin, env), startPgNode(t, bin, passive)
	adminA, adminB, proxyB := "http://"+a.admin, "http://"+b.admin, "http://"+b.proxy

	// targets answer with their name; a sick one answers 500 to everything
	target := func(name string, sick *atomic.Bool) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if sick != nil && sick.Load() {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.Header().Set("x-target", name)
		}))
		t.Cleanup(srv.Close)
		return srv.Listener.Addr().String()
	}
	var qSick atomic.Bool
	x, y, p, q := target("x", nil), target("y", nil), target("p", nil), target("q", &qSick)

	// sentTo sends n requests through node B and counts the targets that answered
	sentTo := func(path string, n int) map[string]int {
		t.Helper()
		seen := map[string]int{}
		for range n {
			r := do(t, "GET", proxyB+path, nil, nil)
			expectStatus(t, "request through B", r, 200)
			seen[r.header.Get("x-target")]++
		}
		return seen
	}
	waitHealth := func(admin, upstream, target, want string) {
		t.Helper()
		took := eventually(t, 10*time.Second, fmt.Sprintf("%s of %s %s on %s", target, upstream, want, admin), func() error {
			r := do(t, "GET", admin+"/upstreams/"+upstream+"/health", nil, nil)
			if r.status != 200 {
				return fmt.Errorf("status %d: %s", r.status, r.body)
			}
			for _, e := range r.json(t)["data"].([]any) {
				if m := e.(map[string]any); m["target"] == target && m["health"] == want {
					return nil
				}
			}
			return fmt.Errorf("%s", r.body)
		})
		t.Logf("%s %s on %s after %v", target, want, admin, took)
	}

	t.Run("manual override", func(t *testing.T) {
		// passive checks only: no probe moves the target behind the test's back
		expectStatus(t, "upstream", postJSON(t, adminA+"/upstreams",
			`{"name":"manual","healthchecks":{"passive":{"unhealthy":{"tcp_failures":1}}}}`), 201)
		for _, tg := range []string{x, y} {
			expectStatus(t, "target", form(t, adminA+"/upstreams/manual/targets", "target="+tg), 201)
		}
		expectStatus(t, "service", form(t, adminA+"/services", "name=m", "host=manual", "port=80"), 201)
		expectStatus(t, "route", form(t, adminA+"/services/m/routes", "paths[]=/manual"), 201)
		eventually(t, 5*time.Second, "route on B", func() error {
			if r := do(t, "GET", proxyB+"/manual", nil, nil); r.status != 200 {
				return fmt.Errorf("status %d", r.status)
			}
			return nil
		})
		if seen := sentTo("/manual", 10); seen["x"] != 5 || seen["y"] != 5 {
			t.Fatalf("before the override B sent %v", seen)
		}

		override := adminA + "/upstreams/manual/targets/" + x
		expectStatus(t, "mark x unhealthy on A", do(t, "PUT", override+"/unhealthy", nil, nil), 204)
		waitHealth(adminA, "manual", x, "UNHEALTHY")
		waitHealth(adminB, "manual", x, "UNHEALTHY")
		if seen := sentTo("/manual", 10); seen["y"] != 10 {
			t.Fatalf("after x was marked unhealthy on A, B sent %v", seen)
		}
		expectStatus(t, "mark x healthy on A", do(t, "PUT", override+"/healthy", nil, nil), 204)
		waitHealth(adminB, "manual", x, "HEALTHY")
		if seen := sentTo("/manual", 10); seen["x"] != 5 || seen["y"] != 5 {
			t.Fatalf("after x was marked healthy again, B sent %v", seen)
		}
	})

	t.Run("active checks", func(t *testing.T) {
		// only A probes; no passive thresholds, so B's view can only come from A
		expectStatus(t, "upstream", postJSON(t, adminA+"/upstreams", `{"name":"active","healthchecks":{"active":{
		  "http_path":"/","timeout":1,"healthy":{"interval":0.2,"successes":1},
		  "unhealthy":{"interval":0.2,"http_failures":1,"tcp_failures":1}}}}`), 201)
		for _, tg := range []string{p, q} {
			expectStatus(t, "target", form(t, adminA+"/upstreams/active/targets", "target="+tg), 201)
		}
		expectStatus(t, "service", form(t, adminA+"/services", "name=a", "host=active", "port=80"), 201)
		expectStatus(t, "route", form(t, adminA+"/services/a/routes", "paths[]=/active"), 201)
		eventually(t, 5*time.Second, "route on B", func() error {
			if r := do(t, "GET", proxyB+"/active", nil, nil); r.status != 200 {
				return fmt.Errorf("status %d", r.status)
			}
			return nil
		})
		if seen := sentTo("/active", 10); seen["p"] != 5 || seen["q"] != 5 {
			t.Fatalf("before q failed B sent %v", seen)
		}

		qSick.Store(true)
		waitHealth(adminA, "active", q, "UNHEALTHY")
		waitHealth(adminB, "active", q, "UNHEALTHY")
		if seen := sentTo("/active", 10); seen["p"] != 10 {
			t.Fatalf("after A's checks found q dead, B sent %v", seen)
		}

		// a node that starts now picks the state up
		c := startPgNode(t, bin, passive)
		waitHealth("http://"+c.admin, "active", q, "UNHEALTHY")

		qSick.Store(false)
		waitHealth(adminA, "active", q, "HEALTHY")
		waitHealth(adminB, "active", q, "HEALTHY")
		if seen := sentTo("/active", 10); seen["p"] != 5 || seen["q"] != 5 {
			t.Fatalf("after q recovered B sent %v", seen)
		}
		waitHealth("http://"+c.admin, "active", q, "HEALTHY")
	})
}
