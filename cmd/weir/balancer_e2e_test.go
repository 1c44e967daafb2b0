package main_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadBalancing drives the binary: a service whose host names an upstream is
// balanced over its targets, active checks take a dead target out (visible on
// GET /upstreams/{u}/health), retries hide the failure from clients, and an upstream
// without a healthy target answers Kong's 503.
func TestLoadBalancing(t *testing.T) {
	t.Parallel() // its own node and ports; runs after the sequential tests, TestZeroDowntime included
	bin := buildWeir(t)
	prefix := filepath.Join(t.TempDir(), "prefix")
	n := &node{binary: bin, prefix: prefix, proxy: freeAddr(t), admin: freeAddr(t),
		extraEnv: []string{"KONG_PROXY_ACCESS_LOG=logs/access.json json"}}
	n.start(t)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	target := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("x-target", name)
		}))
	}
	a, b := target("a"), target("b")
	defer a.Close()
	checks := `{"name":"pool","healthchecks":{"active":{"http_path":"/","timeout":1,
	  "healthy":{"interval":0.1,"successes":1},"unhealthy":{"interval":0.1,"tcp_failures":1,"http_failures":1}}}}`
	expectStatus(t, "create upstream", postJSON(t, admin+"/upstreams", checks), 201)
	expectStatus(t, "target a", form(t, admin+"/upstreams/pool/targets", "target="+a.Listener.Addr().String()), 201)
	expectStatus(t, "target b", form(t, admin+"/upstreams/pool/targets", "target="+b.Listener.Addr().String()), 201)
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "host=pool", "port=80", "retries=3"), 201)
	expectStatus(t, "route", form(t, admin+"/services/s/routes", "paths[]=/lb"), 201)
	expectStatus(t, "prometheus", postJSON(t, admin+"/plugins",
		`{"name":"prometheus","config":{"status_code_metrics":true,"upstream_health_metrics":true}}`), 201)

	seen := map[string]int{}
	for i := 0; i < 20; i++ {
		r := do(t, "GET", proxy+"/lb", nil, nil)
		expectStatus(t, "balanced request", r, 200)
		seen[r.header.Get("x-target")]++
	}
	if seen["a"] != 10 || seen["b"] != 10 {
		t.Fatalf("round-robin over equal weights gave %v", seen)
	}
	waitTargetHealth(t, admin, b.Listener.Addr().String(), "HEALTHY")

	// Kong's manual override, on an upstream with passive checks only (no probe
	// revives the target behind the test's back)
	manual := postJSON(t, admin+"/upstreams", `{"name":"manual","healthchecks":{"passive":{"unhealthy":{"tcp_failures":1}}}}`)
	expectStatus(t, "manual upstream", manual, 201)
	expectStatus(t, "manual target", form(t, admin+"/upstreams/manual/targets", "target="+a.Listener.Addr().String()), 201)
	expectStatus(t, "manual service", form(t, admin+"/services", "name=m", "host=manual", "port=80"), 201)
	expectStatus(t, "manual route", form(t, admin+"/services/m/routes", "paths[]=/manual"), 201)
	expectStatus(t, "through manual", do(t, "GET", proxy+"/manual", nil, nil), 200)
	override := admin + "/upstreams/manual/targets/" + a.Listener.Addr().String()
	expectStatus(t, "mark unhealthy", do(t, "PUT", override+"/unhealthy", nil, nil), 204)
	expectStatus(t, "marked out", do(t, "GET", proxy+"/manual", nil, nil), 503)
	expectStatus(t, "mark healthy", do(t, "PUT", override+"/healthy", nil, nil), 204)
	expectStatus(t, "marked back", do(t, "GET", proxy+"/manual", nil, nil), 200)

	b.Close()
	for i := 0; i < 10; i++ { // before and after the checks notice, retries hide b
		r := do(t, "GET", proxy+"/lb", nil, nil)
		expectStatus(t, "request with a dead target", r, 200)
		if r.header.Get("x-target") != "a" {
			t.Fatalf("answered by %q", r.header.Get("x-target"))
		}
	}
	waitTargetHealth(t, admin, b.Listener.Addr().String(), "UNHEALTHY")

	a.Close()
	waitTargetHealth(t, admin, a.Listener.Addr().String(), "UNHEALTHY")
	r := do(t, "GET", proxy+"/lb", nil, nil)
	expectStatus(t, "no healthy target", r, 503)
	if r.json(t)["message"] != "failure to get a peer from the ring-balancer" {
		t.Fatalf("body %s", r.body)
	}

	metrics := string(do(t, "GET", admin+"/metrics", nil, nil).body)
	for _, want := range []string{
		`kong_http_requests_total{code="200",consumer="",route="`,
		`kong_http_requests_total{code="503",consumer="",route="`,
		`kong_upstream_target_health{address="` + a.Listener.Addr().String() + `",state="unhealthy",subsystem="http",target="` + a.Listener.Addr().String() + `",upstream="pool"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	n.stop(t) // flushes the access log
	raw, err := os.ReadFile(filepath.Join(prefix, "logs", "access.json"))
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[float64]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("access log line %q: %v", line, err)
		}
		if entry["uri"] == "/manual" {
			continue
		}
		if entry["uri"] != "/lb" || entry["request_id"] == "" {
			t.Fatalf("access log entry %v", entry)
		}
		statuses[entry["status"].(float64)]++
	}
	if statuses[200] != 30 || statuses[503] != 1 {
		t.Fatalf("access log statuses %v, want 30 x 200 and one 503", statuses)
	}
}

func waitTargetHealth(t *testing.T, admin, target, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := do(t, "GET", admin+"/upstreams/pool/health", nil, nil)
		expectStatus(t, "health", r, 200)
		for _, e := range r.json(t)["data"].([]any) {
			m := e.(map[string]any)
			if m["target"] == target && m["health"] == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not %s within 10s: %s", target, want, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
