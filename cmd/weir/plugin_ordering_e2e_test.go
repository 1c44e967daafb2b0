package main_test

import (
	"strings"
	"testing"
)

// TestPluginOrdering: Kong Enterprise's dynamic ordering moves a plugin before another
// in the access phase whatever their priorities. request-termination (priority 2)
// told to run before key-auth (1250) answers requests that key-auth would have
// refused; without ordering key-auth runs first. The entity keeps ordering, and a
// plugin without it shows no such field, as Kong OSS's entity has none.
func TestPluginOrdering(t *testing.T) {
	bin := buildWeir(t)
	n := startNode(t, bin, t.TempDir())
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	echoAddr := startEcho(t, bin)
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url=http://"+echoAddr), 201)
	for _, route := range []string{"plain", "ordered"} {
		expectStatus(t, "route", form(t, admin+"/services/s/routes", "name="+route, "paths[]=/"+route), 201)
		expectStatus(t, "key-auth", form(t, admin+"/routes/"+route+"/plugins", "name=key-auth"), 201)
	}
	expectStatus(t, "termination", form(t, admin+"/routes/plain/plugins", "name=request-termination",
		"config.status_code=503", "config.message=maintenance"), 201)
	ordered := postJSON(t, admin+"/routes/ordered/plugins", `{"name":"request-termination",
		"config":{"status_code":503,"message":"maintenance"},
		"ordering":{"before":{"access":["key-auth"]}}}`)
	expectStatus(t, "ordered termination", ordered, 201)
	id, _ := ordered.json(t)["id"].(string)

	if r := do(t, "GET", proxy+"/plain", nil, nil); r.status != 401 {
		t.Fatalf("priority order: status %d, want key-auth's 401\n%s", r.status, r.body)
	}
	if r := do(t, "GET", proxy+"/ordered", nil, nil); r.status != 503 || !strings.Contains(string(r.body), "maintenance") {
		t.Fatalf("ordered: status %d, want request-termination's 503\n%s", r.status, r.body)
	}

	got := do(t, "GET", admin+"/plugins/"+id, nil, nil)
	expectStatus(t, "get plugin", got, 200)
	if o, _ := got.json(t)["ordering"].(map[string]any); o == nil || !strings.Contains(string(got.body), `"before":{"access":["key-auth"]}`) {
		t.Fatalf("ordering not kept: %s", got.body)
	}
	list := do(t, "GET", admin+"/routes/plain/plugins", nil, nil)
	if strings.Contains(string(list.body), `"ordering"`) {
		t.Fatalf("a plugin without ordering shows the field: %s", list.body)
	}

	bad := postJSON(t, admin+"/routes/plain/plugins", `{"name":"cors","ordering":{"after":{"rewrite":["key-auth"]}}}`)
	expectStatus(t, "ordering in another phase", bad, 400)
	if !strings.Contains(string(bad.body), `"ordering"`) {
		t.Fatalf("400 does not name the field: %s", bad.body)
	}
}
