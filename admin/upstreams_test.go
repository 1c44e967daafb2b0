package admin_test

import (
	"strings"
	"testing"
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
