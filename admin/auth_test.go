package admin_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/admin"
	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store/embedded"
)

func newSecuredEnv(t *testing.T, opts admin.Options) *env {
	t.Helper()
	db, err := embedded.Open(filepath.Join(t.TempDir(), "weir.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	builtins, err := pluginswasm.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	opts.Store, opts.Builtins, opts.ValidateModule, opts.Version = db, builtins, fakeValidate, "0.1.0"
	return &env{t: t, db: db, h: admin.New(opts).Handler()}
}

func (e *env) withHeader(method, path, name, value string) resp {
	req := httptest.NewRequest(method, path, nil)
	if name != "" {
		req.Header.Set(name, value)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return resp{status: w.Code, raw: w.Body.Bytes(), header: w.Header()}
}

func TestAdminToken(t *testing.T) {
	e := newSecuredEnv(t, admin.Options{Token: "s3cret"})
	tests := []struct {
		name, header, value string
		status              int
	}{
		{"none", "", "", 401},
		{"wrong bearer", "Authorization", "Bearer nope", 401},
		{"basic scheme", "Authorization", "Basic czNjcmV0", 401},
		{"prefix of the token", "Authorization", "Bearer s3cre", 401},
		{"bearer", "Authorization", "Bearer s3cret", 200},
		{"bearer lower case", "Authorization", "bearer s3cret", 200},
		{"Kong-Admin-Token", "Kong-Admin-Token", "s3cret", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/", "/services", "/nowhere-at-all"} {
				r := e.withHeader("GET", path, tc.header, tc.value)
				want := tc.status
				if want == 200 && path == "/nowhere-at-all" {
					want = 404
				}
				if r.status != want {
					t.Fatalf("GET %s: %d, want %d: %s", path, r.status, want, r.raw)
				}
				if want == 401 && (strings.TrimSpace(string(r.raw)) != `{"message":"Unauthorized"}` || r.header.Get("WWW-Authenticate") == "") {
					t.Fatalf("401 answer: %s %v", r.raw, r.header)
				}
			}
		})
	}
}

func TestBodyLimits(t *testing.T) {
	e := newSecuredEnv(t, admin.Options{MaxBodySize: 1000, MaxModuleSize: 16})
	big := `{"name":"` + strings.Repeat("a", 1100) + `","host":"h"}`
	r := e.json("POST", "/services", big)
	if r.status != 413 || !strings.Contains(r.body["message"].(string), "at most 1000 bytes (admin_max_body_size)") {
		t.Fatalf("declared length: %d %s", r.status, r.raw)
	}
	// A body without a declared length is cut at the limit while it is read.
	req := httptest.NewRequest("POST", "/services", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("streamed body: %d %s", w.Code, w.Body.Bytes())
	}
	ct, body := multipartBody(t, map[string]string{"name": "m"}, append(bytes.Clone(wasmMagic), make([]byte, 20)...))
	jsonEq(t, e.want(e.do("POST", "/wasm/modules", ct, body), 400)["fields"],
		`{"module":"the module is 28 bytes; uploads are limited to 16 bytes (wasm_max_module_size)"}`)
	e.want(e.json("POST", "/services", `{"name":"small","host":"h"}`), 201)
}

// TestMetricsBehindToken: /metrics is served by the Admin API itself, so admin_token
// guards it like every other endpoint.
func TestMetricsBehindToken(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "weir_up 1\n")
	})
	e := newSecuredEnv(t, admin.Options{Token: "s3cret", Metrics: metrics})
	if r := e.withHeader("GET", "/metrics", "", ""); r.status != 401 {
		t.Fatalf("without the token: %d, want 401", r.status)
	}
	r := e.withHeader("GET", "/metrics", "Authorization", "Bearer s3cret")
	if r.status != 200 || !strings.Contains(string(r.raw), "weir_up 1") {
		t.Fatalf("with the token: %d %s", r.status, r.raw)
	}
}
