package admin_test

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/admin"
	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store/embedded"
)

func newDBLessEnv(t *testing.T) *env {
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
		Version: "0.1.0", NodeID: "node", DBLess: true}).Handler()}
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
	e.want(e.form("POST", "/config", "config="+url.QueryEscape(replaced)), 201)
	e.want(e.do("GET", "/routes/r", "", nil), 404)
	e.want(e.do("GET", "/routes/r2", "", nil), 200)
	if cfg := e.want(e.do("GET", "/config", "", nil), 200)["config"].(string); !strings.Contains(cfg, "name: r2") {
		t.Fatalf("GET /config:\n%s", cfg)
	}

	tests := []struct{ method, path, want string }{
		{"POST", "/services", "cannot create 'services' entities when not using a database"},
		{"PATCH", "/services/s", "cannot update 'services' entities when not using a database"},
		{"DELETE", "/consumers/alice/key-auth/k", "cannot delete 'keyauth_credentials' entities when not using a database"},
	}
	for _, tc := range tests {
		got := e.want(e.form(tc.method, tc.path, "host=h"), 405)
		if got["message"] != tc.want {
			t.Errorf("%s %s: %v", tc.method, tc.path, got)
		}
	}
	e.want(e.json("POST", "/schemas/services/validate", `{"host":"h"}`), 200)
}

func TestConfigNeedsDBLess(t *testing.T) {
	e := newEnv(t)
	e.want(e.do("POST", "/config", "application/yaml", []byte(goodConfig)), 400)
	e.want(e.do("GET", "/config", "", nil), 400)
}
