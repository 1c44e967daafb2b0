package declarative_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/declarative"
)

// TestWriteFile: the file is replaced whole, keeps its mode, loads back, and no
// temporary file is left beside it.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"kong.yaml", "kong.json"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
			t.Fatal(err)
		}
		name := "s"
		e := &store.Export{FormatVersion: store.FormatVersion, Services: []store.Service{{ID: "5e8e8b2e-0d5b-4d8e-9b6a-1f2e3d4c5b6a",
			Name: &name, Protocol: "http", Host: "h.example", Port: 80, Retries: 5, ConnectTimeout: 60000, WriteTimeout: 60000, ReadTimeout: 60000, Enabled: true}}}
		if _, err := declarative.WriteFile(path, e); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o640 {
			t.Fatalf("%s: %v, mode %v", name, err, fi.Mode())
		}
		src, _ := os.ReadFile(path)
		got, err := load(t, string(src))
		if err != nil || len(got.Services) != 1 || got.Services[0].Host != "h.example" {
			t.Fatalf("%s does not load back: %v\n%s", path, err, src)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("files left: %v", entries)
	}
	if _, err := declarative.WriteFile(filepath.Join(dir, "none", "kong.yml"), &store.Export{}); err == nil {
		t.Fatal("wrote into a missing directory")
	}
}

// TestDiff counts per list by id, timestamps aside.
func TestDiff(t *testing.T) {
	a, b, c := "a", "b", "c"
	svc := func(id string, name *string, host string, at int64) store.Service {
		return store.Service{ID: id, Name: name, Host: host, CreatedAt: at, UpdatedAt: at}
	}
	old := &store.Export{Services: []store.Service{svc("1", &a, "h", 1), svc("2", &b, "h", 1), svc("3", &c, "h", 1)}}
	now := &store.Export{Services: []store.Service{svc("1", &a, "h", 9), svc("2", &b, "other", 9), svc("4", &c, "h", 9)}}
	d, err := declarative.Diff(old, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := d["services"]; got != (declarative.Changes{Created: 1, Updated: 1, Deleted: 1, Unchanged: 1}) || len(d) != 1 {
		t.Fatalf("diff %+v", d)
	}
	if d, _ := declarative.Diff(old, old); !declarative.Unchanged(d) {
		t.Fatalf("a configuration differs from itself: %+v", d)
	}
	if d, _ := declarative.Diff(old, &store.Export{}); d["services"].Deleted != 3 {
		t.Fatalf("emptied: %+v", d)
	}
}
