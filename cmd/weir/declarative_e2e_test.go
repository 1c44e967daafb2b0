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
	for path, want := range map[string]int{"/services": 1, "/routes": 2, "/plugins": 3, "/consumers": 1, "/upstreams/backend.internal/targets": 2, "/acls": 1} {
		r := do(t, "GET", admin+path, nil, nil)
		expectStatus(t, path, r, 200)
		if d, _ := r.json(t)["data"].([]any); len(d) != want {
			t.Errorf("GET %s: %d entities after importing twice, want %d", path, len(d), want)
		}
	}
}
