package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeclarativeRoundTrip: a file as decK dumps it is checked by `config parse`,
// loaded by `db_import`, served by the Admin API, exported as YAML, and imported again
// without duplicating anything.
func TestDeclarativeRoundTrip(t *testing.T) {
	bin := buildWeir(t)
	deck := filepath.Join(repoRoot(t), "store", "declarative", "testdata", "deck.yaml")
	prefix := t.TempDir()
	env := []string{"WEIR_PREFIX=" + prefix}

	if out, code := weirCmd(t, bin, nil, "config", "parse", deck); code != 0 || strings.TrimSpace(out) != "parse successful" {
		t.Fatalf("parse: exit %d\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte("_format_version: \"3.0\"\nservices:\n- name: s\n  port: 99999\n"), 0o600)
	if out, code := weirCmd(t, bin, nil, "config", "parse", bad); code == 0 || !strings.Contains(out, "service 's': host: required field missing") {
		t.Fatalf("parse of an invalid file: exit %d\n%s", code, out)
	}

	// A service made through the Admin API before the import: the file's service of
	// the same name updates it rather than colliding with it.
	first := startNode(t, bin, prefix)
	made := form(t, "http://"+first.admin+"/services", "name=example", "host=old.example")
	expectStatus(t, "service before the import", made, 201)
	madeID := made.json(t)["id"]
	first.stop(t)

	if out, code := weirCmd(t, bin, env, "config", "db_import", deck); code != 0 || !strings.Contains(out, "Imported 14 entities") {
		t.Fatalf("db_import: exit %d\n%s", code, out)
	}
	exported := filepath.Join(t.TempDir(), "kong.yaml")
	if out, code := weirCmd(t, bin, env, "config", "db_export", exported); code != 0 {
		t.Fatalf("db_export: exit %d\n%s", code, out)
	}
	text, _ := os.ReadFile(exported)
	if !strings.HasPrefix(string(text), "_format_version: \"3.0\"") || !strings.Contains(string(text), "name: example") {
		t.Fatalf("YAML export:\n%s", text)
	}
	if out, code := weirCmd(t, bin, nil, "config", "parse", exported); code != 0 {
		t.Fatalf("parse of the export: exit %d\n%s", code, out)
	}
	for _, file := range []string{deck, exported} {
		if out, code := weirCmd(t, bin, env, "config", "db_import", file); code != 0 {
			t.Fatalf("second db_import of %s: exit %d\n%s", file, code, out)
		}
	}

	n := startNode(t, bin, prefix)
	admin := "http://" + n.admin
	svc := do(t, "GET", admin+"/services/example", nil, nil).json(t)
	if svc["id"] != madeID || svc["host"] != "127.0.0.1" {
		t.Errorf("the imported service did not update the existing one: %v (was %v)", svc, madeID)
	}
	for path, want := range map[string]int{"/services": 1, "/routes": 2, "/plugins": 3, "/consumers": 1, "/upstreams/backend.internal/targets": 2, "/acls": 1} {
		r := do(t, "GET", admin+path, nil, nil)
		expectStatus(t, path, r, 200)
		if d, _ := r.json(t)["data"].([]any); len(d) != want {
			t.Errorf("GET %s: %d entities after importing twice, want %d", path, len(d), want)
		}
	}
}

// TestDBLess: a node with database = off serves declarative_config from its first
// request, keeps it when POST /config sends an invalid file, and switches to a valid
// one at once; entity writes through the Admin API are proxied at once and, kept in
// the rewritten declarative_config, survive a restart.
func TestDBLess(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	dir := t.TempDir()
	file := filepath.Join(dir, "kong.yml")
	config := func(path string) string {
		return "_format_version: \"3.0\"\nservices:\n- name: s\n  url: http://" + echoAddr + "/up\n  routes:\n  - name: r\n    paths: [" + path + "]\n"
	}
	_ = os.WriteFile(file, []byte(config("/one")), 0o600)
	n := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t),
		extraEnv: []string{"KONG_DATABASE=off", "KONG_DECLARATIVE_CONFIG=" + file}}
	n.start(t)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy

	expectStatus(t, "route from declarative_config", do(t, "GET", proxy+"/one", nil, nil), 200)

	bad := do(t, "POST", admin+"/config", strings.NewReader("_format_version: \"3.0\"\nservices:\n- name: s\n"),
		map[string]string{"Content-Type": "application/yaml"})
	expectStatus(t, "invalid config", bad, 400)
	if !strings.Contains(string(bad.body), `"flattened_errors"`) {
		t.Fatalf("report: %s", bad.body)
	}
	expectStatus(t, "old config kept", do(t, "GET", proxy+"/one", nil, nil), 200)

	good := do(t, "POST", admin+"/config", strings.NewReader(config("/two")), map[string]string{"Content-Type": "application/yaml"})
	expectStatus(t, "new config", good, 201)
	expectStatus(t, "new route", do(t, "GET", proxy+"/two", nil, nil), 200)
	expectStatus(t, "old route gone", do(t, "GET", proxy+"/one", nil, nil), 404)

	expectStatus(t, "route written in DB-less mode", form(t, admin+"/services/s/routes", "name=r3", "paths[]=/three"), 201)
	expectStatus(t, "written route proxied", do(t, "GET", proxy+"/three", nil, nil), 200)
	expectStatus(t, "route deleted in DB-less mode", do(t, "DELETE", admin+"/routes/r", nil, nil), 204)
	n.stop(t)
	n.start(t)
	expectStatus(t, "written route after restart", do(t, "GET", proxy+"/three", nil, nil), 200)
	expectStatus(t, "deleted route after restart", do(t, "GET", proxy+"/two", nil, nil), 404)
}
