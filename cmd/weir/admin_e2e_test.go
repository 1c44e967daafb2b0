package main_test

import (
	"strings"
	"testing"
)

// TestAdminEntitiesE2E runs curl lines from Kong's load-balancing and auth-plugin docs
// against the real binary, and checks what Kong clients detect the node by.
func TestAdminEntitiesE2E(t *testing.T) {
	bin := buildWeir(t)
	n := startNode(t, bin, t.TempDir())
	admin := "http://" + n.admin

	expectStatus(t, "upstream", form(t, admin+"/upstreams", "name=example_upstream"), 201)
	expectStatus(t, "target", form(t, admin+"/upstreams/example_upstream/targets", "target=httpbin.konghq.com:80"), 201)
	expectStatus(t, "target 2", form(t, admin+"/upstreams/example_upstream/targets", "target=mockbin.org:80"), 201)
	expectStatus(t, "target again", form(t, admin+"/upstreams/example_upstream/targets", "target=mockbin.org:80"), 409)
	health := do(t, "GET", admin+"/upstreams/example_upstream/health", nil, nil)
	expectStatus(t, "health", health, 200)
	if d, _ := health.json(t)["data"].([]any); len(d) != 2 {
		t.Fatalf("health data %v", health.json(t))
	}

	expectStatus(t, "consumer", form(t, admin+"/consumers", "username=alice"), 201)
	ba := form(t, admin+"/consumers/alice/basic-auth", "username=Aladdin", "password=OpenSesame")
	expectStatus(t, "basic-auth", ba, 201)
	if p, _ := ba.json(t)["password"].(string); p == "OpenSesame" || !strings.HasPrefix(p, "$2") {
		t.Fatalf("password returned as %q", p)
	}
	expectStatus(t, "acl", form(t, admin+"/consumers/alice/acls", "group=group1", "tags[]=tag1"), 201)
	expectStatus(t, "jwt", form(t, admin+"/consumers/alice/jwt"), 201)
	expectStatus(t, "hmac", form(t, admin+"/consumers/alice/hmac-auth", "username=bob", "secret=secret456"), 201)
	tags := do(t, "GET", admin+"/tags/tag1", nil, nil)
	expectStatus(t, "tags", tags, 200)
	if d, _ := tags.json(t)["data"].([]any); len(d) != 1 {
		t.Fatalf("tags %v", tags.json(t))
	}
	ep := do(t, "GET", admin+"/endpoints", nil, nil)
	expectStatus(t, "endpoints", ep, 200)
	for _, want := range []string{"/upstreams/{upstream}/targets/{target}", "/consumers/{consumer}/acls/{acl}", "/basic-auths/{basicauth}/consumer"} {
		if !strings.Contains(string(ep.body), want) {
			t.Errorf("/endpoints lacks %s", want)
		}
	}
	bad := do(t, "POST", admin+"/services", strings.NewReader("<x/>"), map[string]string{"Content-Type": "application/xml"})
	expectStatus(t, "xml body", bad, 415)
	if bad.header.Get("Server") != "kong/3.9.3 (weir/0.1.0)" {
		t.Errorf("Server header on an error: %q", bad.header.Get("Server"))
	}
}

// TestAdminTokenE2E: with admin_token set, the real binary answers 401 to anything
// without it, and serves Kong clients that send it.
func TestAdminTokenE2E(t *testing.T) {
	bin := buildWeir(t)
	n := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t),
		extraEnv: []string{"KONG_ADMIN_TOKEN=s3cret", "WEIR_WASM_MAX_MODULE_SIZE=1k"}}
	n.start(t)
	admin := "http://" + n.admin
	expectStatus(t, "no token", do(t, "GET", admin+"/", nil, nil), 401)
	expectStatus(t, "no token, write", form(t, admin+"/services", "name=s", "host=h"), 401)
	r := do(t, "GET", admin+"/", nil, map[string]string{"Authorization": "Bearer s3cret"})
	expectStatus(t, "bearer", r, 200)
	if cfg, _ := r.json(t)["configuration"].(map[string]any); cfg["admin_token"] != "******" {
		t.Errorf("GET / shows admin_token as %v", cfg["admin_token"])
	}
	expectStatus(t, "Kong-Admin-Token", do(t, "GET", admin+"/services", nil, map[string]string{"Kong-Admin-Token": "s3cret"}), 200)
}
