package main_test

import (
	"path/filepath"
	"testing"
)

// TestRootOnlyModule: a module without HTTP callbacks can be enabled like any plugin;
// weir starts its root context but never gives it an HTTP context (the fixture traps if
// it gets one), so requests pass untouched.
func TestRootOnlyModule(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	admin, proxy := "http://"+n.admin, "http://"+n.proxy

	fixture := filepath.Join(repoRoot(t), "testdata/wat/root_only.wasm")
	expectStatus(t, "upload", uploadModule(t, admin, "root-only", fixture), 201)
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url=http://"+echoAddr+"/"), 201)
	expectStatus(t, "route", form(t, admin+"/services/s/routes", "paths[]=/r", "name=r"), 201)
	expectStatus(t, "enable", postJSON(t, admin+"/routes/r/plugins", `{"name":"root-only"}`), 201)
	for i := 0; i < 3; i++ {
		expectStatus(t, "request through a root-only plugin", do(t, "GET", proxy+"/r", nil, nil), 200)
	}
}
