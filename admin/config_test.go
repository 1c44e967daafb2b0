package admin_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/admin"
	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/declarative"
	"github.com/weir-gateway/weir/store/embedded"
)

func newDBLessEnv(t *testing.T) *env {
	t.Helper()
	return newDBLessEnvFile(t, "")
}

// newDBLessEnvFile is a DB-less Admin API keeping its configuration in file ("" for
// none).
func newDBLessEnvFile(t *testing.T, file string) *env {
	t.Helper()
	db, err := embedded.Open(filepath.Join(t.TempDir(), "dbless.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	builtins, err := pluginswasm.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, h: admin.New(admin.Options{Store: db, Builtins: builtins, ValidateModule: fakeValidate,
		Version: "0.1.0", NodeID: "node", DBLess: true, DeclarativeFile: file}).Handler()}
}

const goodConfig = `_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:9999
  routes:
  - name: r
    paths: [/r]
consumers:
- username: alice
  keyauth_credentials:
  - key: k
`

func TestDBLessConfig(t *testing.T) {
	e := newDBLessEnv(t)
	created := e.want(e.do("POST", "/config", "application/yaml", []byte(goodConfig)), 201)
	if len(created["services"].([]any)) != 1 || len(created["keyauth_credentials"].([]any)) != 1 {
		t.Fatalf("POST /config answered %v", created)
	}
	jsonEq(t, created["_changes"], `{"consumers":{"created":1,"deleted":0,"unchanged":0,"updated":0},
		"keyauth_credentials":{"created":1,"deleted":0,"unchanged":0,"updated":0},
		"routes":{"created":1,"deleted":0,"unchanged":0,"updated":0},"services":{"created":1,"deleted":0,"unchanged":0,"updated":0}}`)
	again := e.want(e.do("POST", "/config", "application/yaml", []byte(goodConfig)), 201)
	jsonEq(t, again["_changes"].(map[string]any)["services"], `{"created":0,"deleted":0,"unchanged":1,"updated":0}`)
	e.want(e.do("GET", "/services/s", "", nil), 200)
	hash := e.want(e.do("GET", "/status", "", nil), 200)["configuration_hash"].(string)
	if len(hash) != 32 || hash == "00000000000000000000000000000000" {
		t.Fatalf("configuration_hash %q", hash)
	}
	e.want(e.do("POST", "/config?check_hash=1", "application/yaml", []byte(goodConfig)), 304)

	bad := strings.Replace(goodConfig, "url: http://127.0.0.1:9999", "port: 99999", 1)
	r := e.want(e.json("POST", "/config", mustJSON(map[string]any{"config": bad})), 400)
	if r["code"] != 14.0 || !strings.Contains(r["message"].(string), "service 's': host: required field missing") {
		t.Fatalf("report %v", r)
	}
	fe := r["flattened_errors"].([]any)[0].(map[string]any)
	if fe["entity_type"] != "service" || fe["entity_name"] != "s" {
		t.Fatalf("flattened error %v", fe)
	}
	e.want(e.do("GET", "/routes/r", "", nil), 200) // the old configuration stays

	// A reference the file cannot resolve refuses the whole file.
	e.want(e.do("POST", "/config", "application/yaml", []byte("_format_version: \"3.0\"\nroutes:\n- paths: [/x]\n  service: nope\n")), 400)

	replaced := strings.Replace(goodConfig, "name: r", "name: r2", 1)
	rc := e.want(e.form("POST", "/config", "config="+url.QueryEscape(replaced)), 201)
	jsonEq(t, rc["_changes"].(map[string]any)["routes"], `{"created":1,"deleted":1,"unchanged":0,"updated":0}`)
	e.want(e.do("GET", "/routes/r", "", nil), 404)
	e.want(e.do("GET", "/routes/r2", "", nil), 200)
	if cfg := e.want(e.do("GET", "/config", "", nil), 200)["config"].(string); !strings.Contains(cfg, "name: r2") {
		t.Fatalf("GET /config:\n%s", cfg)
	}

	e.want(e.json("POST", "/schemas/services/validate", `{"host":"h"}`), 200)
}

func TestConfigNeedsDBLess(t *testing.T) {
	e := newEnv(t)
	e.want(e.do("POST", "/config", "application/yaml", []byte(goodConfig)), 400)
	e.want(e.do("GET", "/config", "", nil), 400)
}

// loadFile reads a declarative file the way a starting DB-less node does.
func loadFile(t *testing.T, path string) *store.Export {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := declarative.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	e, err := declarative.Load(context.Background(), tree, declarative.Options{})
	if err != nil {
		t.Fatalf("%s does not load: %v\n%s", path, err, raw)
	}
	return e
}

// TestDBLessWrites: in DB-less mode the entity endpoints write, and each change is in
// the declarative file before the client hears of it; a refused write leaves the file
// alone, and a file that cannot be written undoes the change.
func TestDBLessWrites(t *testing.T) {
	for _, name := range []string{"kong.yml", "kong.json"} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), name)
			e := newDBLessEnvFile(t, file)
			e.want(e.do("POST", "/config", "application/yaml", []byte(goodConfig)), 201)
			if got := loadFile(t, file); len(got.Services) != 1 || len(got.KeyAuthCredentials) != 1 {
				t.Fatalf("file after POST /config: %+v", got)
			}
			steps := []struct {
				name   string
				r      func() resp
				status int
				check  func(*store.Export) bool
			}{
				{"create", func() resp { return e.form("POST", "/services", "name=x", "host=h.example") }, 201,
					func(x *store.Export) bool { return len(x.Services) == 2 }},
				{"nested create", func() resp { return e.form("POST", "/services/x/routes", "name=rx", "paths[]=/x") }, 201,
					func(x *store.Export) bool { return len(x.Routes) == 2 }},
				{"update", func() resp { return e.form("PATCH", "/services/x", "port=8080") }, 200,
					func(x *store.Export) bool {
						for _, s := range x.Services {
							if s.Port == 8080 {
								return true
							}
						}
						return false
					}},
				{"refused write", func() resp { return e.form("POST", "/services", "name=y") }, 400,
					func(x *store.Export) bool { return len(x.Services) == 2 }},
				{"delete", func() resp { return e.do("DELETE", "/consumers/alice/key-auth/k", "", nil) }, 204,
					func(x *store.Export) bool { return len(x.KeyAuthCredentials) == 0 && len(x.Consumers) == 1 }},
				{"delete of nothing", func() resp { return e.do("DELETE", "/services/none", "", nil) }, 204,
					func(x *store.Export) bool { return len(x.Services) == 2 }},
			}
			for _, st := range steps {
				r := st.r()
				if r.status != st.status {
					t.Fatalf("%s: status %d, want %d: %s", st.name, r.status, st.status, r.raw)
				}
				if x := loadFile(t, file); !st.check(x) {
					t.Fatalf("%s: file holds %+v", st.name, x)
				}
			}
			hash := e.want(e.do("GET", "/status", "", nil), 200)["configuration_hash"]
			raw, _ := os.ReadFile(file)
			if sum := md5.Sum(raw); hash != hex.EncodeToString(sum[:]) {
				t.Fatalf("configuration_hash %v is not the file's", hash)
			}
		})
	}
}

// TestDBLessWriteUndone: when the declarative file cannot be written, the write is
// undone and answered 500.
func TestDBLessWriteUndone(t *testing.T) {
	e := newDBLessEnvFile(t, filepath.Join(t.TempDir(), "missing-dir", "kong.yml"))
	r := e.want(e.form("POST", "/services", "name=x", "host=h.example"), 500)
	if msg, _ := r["message"].(string); !strings.HasPrefix(msg, "the change was undone: the declarative configuration file could not be written") {
		t.Fatalf("message %v", r)
	}
	e.want(e.do("GET", "/services/x", "", nil), 404)
}

// TestDBLessWithoutFile: without declarative_config, writes still apply; they last
// until the node stops.
func TestDBLessWithoutFile(t *testing.T) {
	e := newDBLessEnv(t)
	e.want(e.form("POST", "/services", "name=x", "host=h.example"), 201)
	e.want(e.do("GET", "/services/x", "", nil), 200)
}
