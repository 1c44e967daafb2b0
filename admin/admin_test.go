package admin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/admin"
	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/embedded"
)

var wasmMagic = []byte("\x00asm\x01\x00\x00\x00")

// fakeValidate accepts binaries starting with the wasm magic number.
func fakeValidate(_ context.Context, b []byte) error {
	if !bytes.HasPrefix(b, []byte("\x00asm")) {
		return errors.New("not a wasm module: bad magic number")
	}
	return nil
}

type env struct {
	t    *testing.T
	h    http.Handler
	path string
	db   *embedded.Store
	// wrap, when set, stands between the Admin API and the store (a failing database).
	wrap func(store.Store) store.Store
	// options, when set, adjusts the Admin API's options before it is built.
	options func(*admin.Options)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

func newEnvWith(t *testing.T, wrap func(store.Store) store.Store) *env {
	t.Helper()
	return newEnvFrom(t, &env{t: t, wrap: wrap})
}

// newEnvOptions builds an env whose Admin API options options adjusts.
func newEnvOptions(t *testing.T, options func(*admin.Options)) *env {
	t.Helper()
	return newEnvFrom(t, &env{t: t, options: options})
}

func newEnvFrom(t *testing.T, e *env) *env {
	t.Helper()
	if onPostgres(t) {
		e.serve(openPostgres(t))
		return e
	}
	e.path = filepath.Join(t.TempDir(), "weir.db")
	e.open()
	t.Cleanup(func() { e.db.Close() })
	return e
}

func (e *env) open() {
	db, err := embedded.Open(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.db = db
	e.serve(db)
}

// serve builds the Admin API over s.
func (e *env) serve(s store.Store) {
	builtins, err := pluginswasm.Builtins()
	if err != nil {
		e.t.Fatal(err)
	}
	if e.wrap != nil {
		s = e.wrap(s)
	}
	opts := admin.Options{Store: s, Builtins: builtins, ValidateModule: fakeValidate,
		Version: "0.1.0", Hostname: "host", NodeID: "node", Configuration: map[string]any{"database": "embedded"}}
	if e.options != nil {
		e.options(&opts)
	}
	e.h = admin.New(opts).Handler()
}

type resp struct {
	status int
	body   map[string]any
	raw    []byte
	header http.Header
}

func (e *env) do(method, path, contentType string, body []byte) resp {
	e.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	r := resp{status: w.Code, raw: w.Body.Bytes(), header: w.Header()}
	_ = json.Unmarshal(r.raw, &r.body)
	return r
}

// form sends curl-style --data fields.
func (e *env) form(method, path string, fields ...string) resp {
	return e.do(method, path, "application/x-www-form-urlencoded", []byte(strings.Join(fields, "&")))
}

func (e *env) json(method, path, body string) resp {
	return e.do(method, path, "application/json", []byte(body))
}

func (e *env) want(r resp, status int) map[string]any {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r.body
}

func jsonEq(t *testing.T, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	wb, _ := json.Marshal(w)
	if string(g) != string(wb) {
		t.Fatalf("got  %s\nwant %s", g, wb)
	}
}

// TestQuickstart runs exactly the curl lines of the getting-started guide.
func TestQuickstart(t *testing.T) {
	e := newEnv(t)
	svc := e.want(e.form("POST", "/services", "name=example", "url="+url.QueryEscape("http://127.0.0.1:9999/anything")), 201)
	jsonEq(t, []any{svc["protocol"], svc["host"], svc["port"], svc["path"], svc["retries"], svc["connect_timeout"], svc["enabled"]},
		`["http","127.0.0.1",9999,"/anything",5,60000,true]`)

	rt := e.want(e.form("POST", "/services/example/routes", "paths[]=/test", "name=r1"), 201)
	jsonEq(t, []any{rt["paths"], rt["protocols"], rt["strip_path"], rt["https_redirect_status_code"], rt["path_handling"], rt["service"]},
		`[["/test"],["http","https"],true,426,"v0",{"id":"`+svc["id"].(string)+`"}]`)

	pl := e.want(e.form("POST", "/services/example/plugins", "name=key-auth"), 201)
	jsonEq(t, pl["config"], `{"anonymous":null,"hide_credentials":false,"key_in_body":false,"key_in_header":true,
		"key_in_query":true,"key_names":["apikey"],"realm":null,"run_on_preflight":true}`)
	jsonEq(t, []any{pl["enabled"], pl["protocols"], pl["service"]}, `[true,["grpc","grpcs","http","https"],{"id":"`+svc["id"].(string)+`"}]`)

	alice := e.want(e.form("POST", "/consumers", "username=alice"), 201)
	cred := e.want(e.form("POST", "/consumers/alice/key-auth", "key=secret"), 201)
	jsonEq(t, []any{cred["key"], cred["consumer"]}, `["secret",{"id":"`+alice["id"].(string)+`"}]`)

	gen := e.want(e.form("POST", "/consumers/alice/key-auth"), 201)
	if k, _ := gen["key"].(string); len(k) != 32 {
		t.Fatalf("generated key %q", k)
	}
	owner := e.want(e.do("GET", "/key-auths/secret/consumer", "", nil), 200)
	if owner["username"] != "alice" {
		t.Fatalf("owner %v", owner)
	}
	parent := e.want(e.do("GET", "/routes/r1/service", "", nil), 200)
	if parent["name"] != "example" {
		t.Fatalf("route's service %v", parent)
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t)
	e.want(e.form("POST", "/services", "name=s", "host=example.com"), 201)
	tests := []struct {
		name   string
		r      func() resp
		status int
		body   string
	}{
		{"missing host", func() resp { return e.json("POST", "/services", `{"name":"x"}`) }, 400,
			`{"code":2,"name":"schema violation","message":"schema violation (host: required field missing)","fields":{"host":"required field missing"}}`},
		{"two violations", func() resp { return e.json("POST", "/services", `{"port":"x","retries":-1,"host":"h"}`) }, 400,
			`{"code":2,"name":"schema violation","message":"2 schema violations (port: expected an integer; retries: value should be between 0 and 32767)","fields":{"port":"expected an integer","retries":"value should be between 0 and 32767"}}`},
		{"duplicate name", func() resp { return e.form("POST", "/services", "name=s", "host=h") }, 409,
			`{"code":5,"name":"unique constraint violation","message":"UNIQUE violation detected on '{name=\"s\"}'","fields":{"name":"s"}}`},
		{"bad json", func() resp { return e.json("POST", "/services", `{"name":`) }, 400, `{"message":"Cannot parse JSON body"}`},
		{"unknown entity", func() resp { return e.do("GET", "/services/nope", "", nil) }, 404, `{"message":"Not found"}`},
		{"unknown path", func() resp { return e.do("GET", "/nowhere", "", nil) }, 404, `{"message":"Not found"}`},
		{"method", func() resp { return e.do("DELETE", "/services", "", nil) }, 405, `{"message":"Method not allowed"}`},
		{"foreign key", func() resp {
			return e.json("POST", "/routes", `{"paths":["/x"],"service":{"id":"7a7e4ed4-5a5e-4b1c-9d3c-1d2c3b4a5f60"}}`)
		}, 400, `{"code":4,"name":"foreign key violation","message":"the foreign key '{id=\"7a7e4ed4-5a5e-4b1c-9d3c-1d2c3b4a5f60\"}' does not reference an existing 'services' entity.","fields":{"service":{"id":"7a7e4ed4-5a5e-4b1c-9d3c-1d2c3b4a5f60"}}}`},
		{"unknown plugin", func() resp { return e.form("POST", "/plugins", "name=nope") }, 400,
			`{"code":2,"name":"schema violation","message":"schema violation (name: plugin 'nope' not enabled; add it to the 'plugins' configuration property)","fields":{"name":"plugin 'nope' not enabled; add it to the 'plugins' configuration property"}}`},
		{"route needs a matcher", func() resp { return e.json("POST", "/routes", `{}`) }, 400,
			`{"code":2,"name":"schema violation","message":"schema violation (must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https')","fields":{"@entity":["must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"]}}`},
		{"route path", func() resp { return e.form("POST", "/routes", "paths=abc") }, 400,
			`{"code":2,"name":"schema violation","message":"schema violation (paths.1: should start with: / (fixed path) or ~/ (regex path))","fields":{"paths":["should start with: / (fixed path) or ~/ (regex path)"]}}`},
		{"consumer needs a name", func() resp { return e.json("POST", "/consumers", `{}`) }, 400,
			`{"code":2,"name":"schema violation","message":"schema violation (at least one of these fields must be non-empty: 'custom_id', 'username')","fields":{"@entity":["at least one of these fields must be non-empty: 'custom_id', 'username'"]}}`},
		{"no_consumer plugin", func() resp {
			e.want(e.form("POST", "/consumers", "username=bob"), 201)
			return e.form("POST", "/consumers/bob/plugins", "name=key-auth")
		}, 400, `{"code":2,"name":"schema violation","message":"schema violation (consumer: value must be null)","fields":{"consumer":"value must be null"}}`},
		{"bad size", func() resp { return e.do("GET", "/services?size=0", "", nil) }, 400,
			`{"code":9,"name":"invalid size","message":"size must be an integer between 1 and 1000"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r()
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			jsonEq(t, r.body, tc.body)
		})
	}
	list := e.want(e.do("GET", "/services", "", nil), 200)
	if n := len(list["data"].([]any)); n != 1 {
		t.Fatalf("failed requests stored something: %d services", n)
	}
}

func TestCRUD(t *testing.T) {
	e := newEnv(t)
	svc := e.want(e.json("POST", "/services", `{"name":"s","host":"a.example"}`), 201)
	id := svc["id"].(string)
	tests := []struct {
		name   string
		r      func() resp
		status int
		check  func(map[string]any) bool
	}{
		{"get by id", func() resp { return e.do("GET", "/services/"+id, "", nil) }, 200, func(b map[string]any) bool { return b["name"] == "s" }},
		{"head", func() resp { return e.do("HEAD", "/services/s", "", nil) }, 200, nil},
		{"patch", func() resp { return e.form("PATCH", "/services/s", "port=8080") }, 200,
			func(b map[string]any) bool {
				return b["port"] == 8080.0 && b["host"] == "a.example" && b["created_at"] == svc["created_at"]
			}},
		{"put replaces", func() resp { return e.json("PUT", "/services/s", `{"host":"b.example"}`) }, 200,
			func(b map[string]any) bool {
				return b["id"] == id && b["port"] == 80.0 && b["host"] == "b.example" && b["name"] == "s"
			}},
		{"put creates by name", func() resp { return e.json("PUT", "/services/new", `{"host":"c.example"}`) }, 200,
			func(b map[string]any) bool { return b["name"] == "new" }},
		{"put creates by id", func() resp {
			return e.json("PUT", "/consumers/0b4f7a5c-61e5-4a4e-8f57-1a0f3c7ab001", `{"username":"u"}`)
		}, 200, func(b map[string]any) bool { return b["id"] == "0b4f7a5c-61e5-4a4e-8f57-1a0f3c7ab001" }},
		{"custom_id filter", func() resp {
			e.want(e.json("POST", "/consumers", `{"custom_id":"c-1"}`), 201)
			return e.do("GET", "/consumers?custom_id=c-1", "", nil)
		}, 200, func(b map[string]any) bool { d := b["data"].([]any); return len(d) == 1 }},
		{"patch plugin config merges", func() resp {
			e.want(e.json("POST", "/plugins", `{"name":"key-auth","instance_name":"ka","config":{"key_names":["k"]}}`), 201)
			return e.form("PATCH", "/plugins/ka", "config.hide_credentials=true")
		}, 200, func(b map[string]any) bool {
			c := b["config"].(map[string]any)
			return c["hide_credentials"] == true && c["key_names"].([]any)[0] == "k"
		}},
		{"form typing", func() resp {
			return e.form("POST", "/routes", "name=typed", "methods=GET", "methods=POST", "headers[x-v]=1",
				"strip_path=false", "regex_priority=3", "hosts[1]=a.com", "hosts[2]=b.com")
		}, 201, func(b map[string]any) bool {
			g, _ := json.Marshal([]any{b["methods"], b["headers"], b["strip_path"], b["regex_priority"], b["hosts"]})
			return string(g) == `[["GET","POST"],{"x-v":["1"]},false,3,["a.com","b.com"]]`
		}},
		{"empty form value is null", func() resp { return e.form("PATCH", "/services/s", "path=") }, 200,
			func(b map[string]any) bool { return b["path"] == nil }},
		{"delete", func() resp { return e.do("DELETE", "/services/new", "", nil) }, 204, nil},
		{"delete absent", func() resp { return e.do("DELETE", "/services/new", "", nil) }, 204, nil},
		{"gone", func() resp { return e.do("GET", "/services/new", "", nil) }, 404, nil},
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
}

func TestNestedCascadeAndRestrict(t *testing.T) {
	e := newEnv(t)
	e.want(e.json("POST", "/services", `{"name":"s","host":"h"}`), 201)
	e.want(e.json("POST", "/services", `{"name":"other","host":"h"}`), 201)
	e.want(e.form("POST", "/services/s/routes", "name=r", "paths[]=/r"), 201)
	e.want(e.form("POST", "/routes/r/plugins", "name=key-auth"), 201)
	e.want(e.form("POST", "/services/s/plugins", "name=key-auth"), 201)
	e.want(e.do("GET", "/services/other/routes/r", "", nil), 404)
	if n := len(e.want(e.do("GET", "/services/s/routes", "", nil), 200)["data"].([]any)); n != 1 {
		t.Fatalf("routes of s: %d", n)
	}
	r := e.do("DELETE", "/services/s", "", nil)
	jsonEq(t, e.want(r, 400), `{"code":4,"name":"foreign key violation","message":"an existing 'routes' entity references this 'services' entity","fields":{"@referenced_by":"routes"}}`)
	e.want(e.do("DELETE", "/services/s/routes/r", "", nil), 204)
	e.want(e.do("DELETE", "/services/s", "", nil), 204)
	if n := len(e.want(e.do("GET", "/plugins", "", nil), 200)["data"].([]any)); n != 0 {
		t.Fatalf("plugins survived their service and route: %d", n)
	}
	e.want(e.form("POST", "/consumers", "username=alice"), 201)
	e.want(e.form("POST", "/consumers/alice/key-auth", "key=k"), 201)
	e.want(e.do("DELETE", "/consumers/alice", "", nil), 204)
	e.want(e.do("GET", "/key-auths/k", "", nil), 404)
}

func TestPaginationAndTags(t *testing.T) {
	e := newEnv(t)
	for _, c := range []string{"a", "b", "c"} {
		e.want(e.form("POST", "/consumers", "username="+c, "tags[]=t", "tags[]="+c), 201)
	}
	first := e.want(e.do("GET", "/consumers?size=2", "", nil), 200)
	next, _ := first["next"].(string)
	if len(first["data"].([]any)) != 2 || !strings.HasPrefix(next, "/consumers?offset=") {
		t.Fatalf("first page %v", first)
	}
	second := e.want(e.do("GET", next, "", nil), 200)
	if len(second["data"].([]any)) != 1 || second["next"] != nil {
		t.Fatalf("second page %v", second)
	}
	tests := map[string]int{"t": 3, "t,a": 1, "a/b": 2, "zz": 0}
	for q, n := range tests {
		t.Run(q, func(t *testing.T) {
			got := e.want(e.do("GET", "/consumers?tags="+url.QueryEscape(q), "", nil), 200)
			if len(got["data"].([]any)) != n {
				t.Fatalf("tags=%s: %v", q, got)
			}
		})
	}
	e.want(e.do("GET", "/consumers?offset=%21%21", "", nil), 400)
}

func TestPersistence(t *testing.T) {
	e := newEnv(t)
	e.want(e.form("POST", "/services", "name=kept", "host=h"), 201)
	e.db.Close()
	e.open()
	e.want(e.do("GET", "/services/kept", "", nil), 200)
}

func multipartBody(t *testing.T, fields map[string]string, module []byte) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if module != nil {
		fw, err := w.CreateFormFile("module", "m.wasm")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(module)
	}
	_ = w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func TestWasmModules(t *testing.T) {
	e := newEnv(t)
	ct, body := multipartBody(t, map[string]string{"name": "my-filter", "priority": "900", "tags[]": "x"}, wasmMagic)
	m := e.want(e.do("POST", "/wasm/modules", ct, body), 201)
	if m["priority"] != 900.0 || m["size"] != float64(len(wasmMagic)) || len(m["sha256"].(string)) != 64 {
		t.Fatalf("module %v", m)
	}
	bin := e.want(e.do("GET", "/wasm/modules/my-filter/binary", "", nil), 200)
	_ = bin
	if r := e.do("GET", "/wasm/modules/my-filter/binary", "", nil); !bytes.Equal(r.raw, wasmMagic) {
		t.Fatal("binary differs")
	}
	ct, body = multipartBody(t, map[string]string{"name": "my-filter"}, wasmMagic)
	e.want(e.do("POST", "/wasm/modules", ct, body), 409)

	ct, body = multipartBody(t, map[string]string{"name": "broken"}, []byte("nope"))
	jsonEq(t, e.want(e.do("POST", "/wasm/modules", ct, body), 400),
		`{"code":2,"name":"schema violation","message":"schema violation (module: not a wasm module: bad magic number)","fields":{"module":"not a wasm module: bad magic number"}}`)
	e.want(e.do("GET", "/wasm/modules/broken", "", nil), 404)

	js := `{"name":"json-filter","module":"` + base64.StdEncoding.EncodeToString(wasmMagic) + `"}`
	e.want(e.json("POST", "/wasm/modules", js), 201)

	// A module is a plugin name: any JSON config, stored as is.
	p := e.want(e.json("POST", "/plugins", `{"name":"my-filter","config":{"any":["thing",1]}}`), 201)
	jsonEq(t, p["config"], `{"any":["thing",1]}`)
	info := e.want(e.do("GET", "/", "", nil), 200)
	plugins := info["plugins"].(map[string]any)
	if _, ok := plugins["available_on_server"].(map[string]any)["my-filter"]; !ok {
		t.Fatalf("module not available: %v", plugins)
	}
	jsonEq(t, plugins["enabled_in_cluster"], `["my-filter"]`)
	jsonEq(t, e.want(e.do("DELETE", "/wasm/modules/my-filter", "", nil), 400),
		`{"code":19,"name":"referenced by others","message":"an existing 'plugins' entity references this 'wasm_modules' entity"}`)
	e.want(e.do("DELETE", "/plugins/"+p["id"].(string), "", nil), 204)

	patched := e.want(e.form("PATCH", "/wasm/modules/my-filter", "priority=5"), 200)
	if patched["priority"] != 5.0 || patched["sha256"] != m["sha256"] {
		t.Fatalf("patched %v", patched)
	}
	ct, body = multipartBody(t, nil, append(wasmMagic, 0, 2, 1, 'x')) // plus an empty custom section
	put := e.want(e.do("PUT", "/wasm/modules/my-filter", ct, body), 200)
	if put["sha256"] == m["sha256"] || put["id"] != m["id"] {
		t.Fatalf("put %v", put)
	}
	e.want(e.do("DELETE", "/wasm/modules/my-filter", "", nil), 204)
	list := e.want(e.do("GET", "/wasm/modules", "", nil), 200)
	if len(list["data"].([]any)) != 1 {
		t.Fatalf("modules %v", list)
	}
}

func TestInfoEndpoints(t *testing.T) {
	e := newEnv(t)
	info := e.want(e.do("GET", "/", "", nil), 200)
	if info["tagline"] != "Welcome to weir" || info["edition"] != "community" || info["configuration"].(map[string]any)["database"] != "embedded" {
		t.Fatalf("info %v", info)
	}
	if _, ok := info["plugins"].(map[string]any)["available_on_server"].(map[string]any)["key-auth"]; !ok {
		t.Fatal("key-auth not available")
	}
	st := e.want(e.do("GET", "/status", "", nil), 200)
	if st["database"].(map[string]any)["reachable"] != true {
		t.Fatalf("status %v", st)
	}
	builtins, err := pluginswasm.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(builtins))
	for i, b := range builtins {
		names[i] = b.Name
	}
	want, _ := json.Marshal(names)
	jsonEq(t, e.want(e.do("GET", "/plugins/enabled", "", nil), 200)["enabled_plugins"], string(want))
	sch := e.want(e.do("GET", "/schemas/plugins/key-auth", "", nil), 200)
	raw, _ := json.Marshal(sch)
	if !strings.Contains(string(raw), `"default":["apikey"]`) {
		t.Fatalf("plugin schema lacks config defaults: %s", raw)
	}
	e.want(e.do("GET", "/schemas/services", "", nil), 200)
	e.want(e.do("GET", "/schemas/plugins/nope", "", nil), 404)
}
