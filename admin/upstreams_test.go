package admin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/admin"
)

// TestUpstreamsAndTargets follows Kong's load-balancing guide, then every verb on the
// nested targets endpoint.
func TestUpstreamsAndTargets(t *testing.T) {
	e := newEnv(t)
	up := e.want(e.form("POST", "/upstreams", "name=example_upstream"), 201)
	if up["algorithm"] != "round-robin" || up["slots"] != 10000.0 || up["healthchecks"].(map[string]any)["threshold"] != 0.0 {
		t.Fatalf("upstream defaults %v", up)
	}
	t1 := e.want(e.form("POST", "/upstreams/example_upstream/targets", "target=httpbin.konghq.com:80"), 201)
	e.want(e.form("POST", "/upstreams/example_upstream/targets", "target=mockbin.org"), 201)
	if t1["weight"] != 100.0 || t1["upstream"].(map[string]any)["id"] != up["id"] {
		t.Fatalf("target %v", t1)
	}
	jsonEq(t, e.want(e.form("POST", "/upstreams/example_upstream/targets", "target=mockbin.org:8000"), 409)["fields"],
		`{"target":"mockbin.org:8000","upstream":{"id":"`+up["id"].(string)+`"}}`)

	tests := []struct {
		name   string
		r      func() resp
		status int
		check  func(map[string]any) bool
	}{
		{"list", func() resp { return e.do("GET", "/upstreams/example_upstream/targets", "", nil) }, 200,
			func(b map[string]any) bool { return len(b["data"].([]any)) == 2 }},
		{"get by address", func() resp { return e.do("GET", "/upstreams/example_upstream/targets/httpbin.konghq.com:80", "", nil) }, 200,
			func(b map[string]any) bool { return b["id"] == t1["id"] }},
		{"get without default port", func() resp { return e.do("GET", "/upstreams/example_upstream/targets/mockbin.org", "", nil) }, 200,
			func(b map[string]any) bool { return b["target"] == "mockbin.org:8000" }},
		{"patch weight", func() resp {
			return e.form("PATCH", "/upstreams/example_upstream/targets/httpbin.konghq.com:80", "weight=5")
		}, 200,
			func(b map[string]any) bool { return b["weight"] == 5.0 && b["id"] == t1["id"] }},
		{"put by address creates", func() resp { return e.json("PUT", "/upstreams/example_upstream/targets/c.example:81", `{"weight":7}`) }, 200,
			func(b map[string]any) bool { return b["target"] == "c.example:81" && b["weight"] == 7.0 }},
		{"health", func() resp { return e.do("GET", "/upstreams/example_upstream/health", "", nil) }, 200,
			func(b map[string]any) bool {
				d := b["data"].([]any)
				return len(d) == 3 && d[0].(map[string]any)["health"] == "HEALTHCHECKS_OFF" && b["node_id"] == "node"
			}},
		{"no top-level targets", func() resp { return e.do("GET", "/targets", "", nil) }, 404, nil},
		{"other upstream", func() resp {
			e.want(e.form("POST", "/upstreams", "name=other"), 201)
			return e.do("GET", "/upstreams/other/targets/mockbin.org:8000", "", nil)
		}, 404, nil},
		{"delete target", func() resp { return e.do("DELETE", "/upstreams/example_upstream/targets/mockbin.org:8000", "", nil) }, 204, nil},
		{"bad upstream", func() resp { return e.form("POST", "/upstreams", "name=10.0.0.1") }, 400,
			func(b map[string]any) bool { return strings.Contains(b["message"].(string), "no ip addresses allowed") }},
		{"schema", func() resp { return e.do("GET", "/schemas/upstreams", "", nil) }, 200, nil},
		{"delete upstream", func() resp { return e.do("DELETE", "/upstreams/example_upstream", "", nil) }, 204, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r()
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.check != nil && !tc.check(r.body) {
				t.Fatalf("unexpected body %s", r.raw)
			}
		})
	}
	if d := e.want(e.do("GET", "/upstreams", "", nil), 200)["data"].([]any); len(d) != 1 {
		t.Fatalf("upstreams left: %v", d)
	}
}

// healthCall is one call the fake SetTargetHealth hook received.
type healthCall struct {
	upstream, target, address string
	healthy                   bool
}

// TestTargetHealthOverride drives Kong's manual health overrides through a fake
// balancer hook: which target and address reach it, 204 on success, its error as 400,
// 404 for unknown upstreams and targets, and /targets/all.
func TestTargetHealthOverride(t *testing.T) {
	var calls []healthCall
	e := newEnvOptions(t, func(o *admin.Options) {
		o.SetTargetHealth = func(upstreamID, target, address string, healthy bool) error {
			if address == "10.9.9.9:8000" {
				return errors.New("no such address for target " + target)
			}
			calls = append(calls, healthCall{upstreamID, target, address, healthy})
			return nil
		}
	})
	up := e.want(e.form("POST", "/upstreams", "name=u1"), 201)
	tg := e.want(e.form("POST", "/upstreams/u1/targets", "target=a.example:81"), 201)
	e.want(e.form("POST", "/upstreams/u1/targets", "target=b.example:82", "weight=0"), 201)
	e.want(e.form("POST", "/upstreams", "name=u2"), 201)
	upID := up["id"].(string)

	tests := []struct {
		name, method, path string
		status             int
		call               *healthCall
	}{
		{"target unhealthy", "PUT", "/upstreams/u1/targets/a.example:81/unhealthy", 204, &healthCall{upID, "a.example:81", "", false}},
		{"target healthy by id", "PUT", "/upstreams/u1/targets/" + tg["id"].(string) + "/healthy", 204, &healthCall{upID, "a.example:81", "", true}},
		{"address", "PUT", "/upstreams/" + upID + "/targets/a.example:81/10.0.0.7:81/unhealthy", 204, &healthCall{upID, "a.example:81", "10.0.0.7:81", false}},
		{"address default port", "PUT", "/upstreams/u1/targets/a.example:81/10.0.0.7/healthy", 204, &healthCall{upID, "a.example:81", "10.0.0.7:8000", true}},
		{"hook error", "PUT", "/upstreams/u1/targets/a.example:81/10.9.9.9/healthy", 400, nil},
		{"unknown target", "PUT", "/upstreams/u1/targets/c.example:83/healthy", 404, nil},
		{"target of another upstream", "PUT", "/upstreams/u2/targets/" + tg["id"].(string) + "/healthy", 404, nil},
		{"unknown upstream", "PUT", "/upstreams/nope/targets/a.example:81/healthy", 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls = nil
			r := e.do(tc.method, tc.path, "", nil)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.call == nil {
				if len(calls) != 0 {
					t.Fatalf("hook called: %+v", calls)
				}
				return
			}
			if len(calls) != 1 || calls[0] != *tc.call {
				t.Fatalf("hook calls %+v, want %+v", calls, *tc.call)
			}
		})
	}
	if r := e.do("PUT", "/upstreams/u1/targets/a.example:81/10.9.9.9/healthy", "", nil); r.body["message"] != "no such address for target a.example:81" {
		t.Fatalf("hook error body %s", r.raw)
	}
	if d := e.want(e.do("GET", "/upstreams/u1/targets/all", "", nil), 200)["data"].([]any); len(d) != 2 {
		t.Fatalf("targets/all: %v", d)
	}
	e.want(e.do("GET", "/upstreams/nope/targets/all", "", nil), 404)
}

// TestTargetHealthWithoutChecker: a node without a balancer answers Kong's error for
// an upstream without a health checker, not a success it cannot honour.
func TestTargetHealthWithoutChecker(t *testing.T) {
	e := newEnv(t)
	e.want(e.form("POST", "/upstreams", "name=u1"), 201)
	e.want(e.form("POST", "/upstreams/u1/targets", "target=a.example:81"), 201)
	for _, path := range []string{"/upstreams/u1/targets/a.example:81/healthy", "/upstreams/u1/targets/a.example:81/10.0.0.1:81/unhealthy"} {
		jsonEq(t, e.want(e.do("PUT", path, "", nil), 400), `{"message":"no healthchecker found for u1"}`)
	}
}

// TestUpstreamHashCoupling follows one upstream through writes that move it between
// algorithms: each write applies Kong's algorithm/hash_on coupling to what it sends.
func TestUpstreamHashCoupling(t *testing.T) {
	e := newEnv(t)
	e.want(e.form("POST", "/upstreams", "name=u1", "algorithm=least-connections"), 201)
	steps := []struct {
		name, method, body string
		status             int
		algo, on           string
	}{
		{"unrelated patch keeps least-connections", "PATCH", `{"slots":100}`, 200, "least-connections", "none"},
		{"hash_on switches to consistent-hashing", "PATCH", `{"hash_on":"header","hash_on_header":"x-user"}`, 200, "consistent-hashing", "header"},
		{"fallback header", "PATCH", `{"hash_fallback":"header","hash_fallback_header":"x-team"}`, 200, "consistent-hashing", "header"},
		{"same fallback header", "PATCH", `{"hash_fallback_header":"X-User"}`, 400, "", ""},
		{"latency clears hash_on", "PATCH", `{"algorithm":"latency","hash_fallback":"none"}`, 200, "latency", "none"},
		{"hash_on none forces round-robin", "PATCH", `{"hash_on":"none"}`, 200, "round-robin", "none"},
		{"fallback without hash_on", "PATCH", `{"hash_fallback":"ip"}`, 400, "", ""},
		{"put replaces", "PUT", `{"hash_on":"ip","hash_fallback":"consumer"}`, 200, "consistent-hashing", "ip"},
		{"fallback repeats hash_on", "PATCH", `{"hash_fallback":"ip"}`, 400, "", ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			b := e.want(e.json(st.method, "/upstreams/u1", st.body), st.status)
			if st.status != 200 {
				if b["name"] != "schema violation" {
					t.Fatalf("error %v", b)
				}
				return
			}
			if b["algorithm"] != st.algo || b["hash_on"] != st.on {
				t.Fatalf("algorithm %v, hash_on %v; want %s, %s", b["algorithm"], b["hash_on"], st.algo, st.on)
			}
		})
	}
}
