package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPluginInitChecks(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"Bad_Name"}, {""}, {"-dir", dir, "ok"}} {
		if err := runPluginInit(args); err == nil {
			t.Errorf("init %q succeeded", args)
		}
	}
	var exit *exitError
	if err := runPlugin([]string{"frobnicate"}); !errors.As(err, &exit) || exit.code != 2 {
		t.Errorf("unknown subcommand: %v", err)
	}
}

func TestScaffoldWritesTheSDK(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	if err := runPluginInit([]string{"p", "-dir", dir}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.mod", "go.sum", "main.go", "main_test.go", "schema.json", "Makefile",
		"weir-sdk/go.mod", "weir-sdk/weir/plugin.go", "weir-sdk/proxywasm/imports_wasip1.go", "weir-sdk/internal/nativehost"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("scaffold lacks %s", f)
		}
	}
	main, _ := os.ReadFile(filepath.Join(dir, "main.go"))
	if strings.Contains(string(main), "__NAME__") || !strings.Contains(string(main), `Name: "p"`) {
		t.Errorf("main.go not filled in:\n%s", main)
	}
	if _, m, err := readPluginSchema(dir); err != nil || m.Name != "p" || m.Priority != 1000 {
		t.Fatalf("the scaffold's schema.json: %+v, %v", m, err)
	}
}

func TestReadPluginSchemaRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"not JSON":      `{`,
		"no name":       `{"version":"1"}`,
		"bad name":      `{"name":"Has Space"}`,
		"bad config":    `{"name":"p","config":{"type":"record","fields":[{"x":{"type":"nope"}}]}}`,
		"config record": `{"name":"p","config":{"type":"string"}}`,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "schema.json"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := readPluginSchema(dir); err == nil {
			t.Errorf("%s: accepted %s", name, doc)
		}
	}
}

func TestPluginFlags(t *testing.T) {
	if got := reorder([]string{"name", "-dir", "d", "-x=1"}); !reflect.DeepEqual(got, []string{"-dir", "d", "-x=1", "name"}) {
		t.Errorf("reorder = %q", got)
	}
	var h headerFlags
	if err := h.Set("X-A:  b c "); err != nil || !reflect.DeepEqual([]string(h), []string{"X-A", "b c"}) {
		t.Errorf("-H parsed as %q, %v", h, err)
	}
	if err := h.Set("novalue"); err == nil {
		t.Error("-H without a colon accepted")
	}
}
