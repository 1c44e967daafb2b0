package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store/embedded"
)

func testServer(t *testing.T) *Server {
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
	return New(Options{Store: db, Builtins: builtins, Version: "0.1.0"})
}

// TestOpenAPIMatchesRoutes: every route the router serves is described, nothing else
// is, and every described operation reaches a handler when requested over HTTP.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := testServer(t)
	req := httptest.NewRequest("GET", "/openapi.json", nil)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("GET /openapi.json: %d", w.Code)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc.OpenAPI != "3.0.3" {
		t.Fatalf("document: %v %s", err, doc.OpenAPI)
	}
	var described []string
	for path, item := range doc.Paths {
		for method := range item {
			if method != "parameters" {
				described = append(described, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(described)
	var served []string
	for _, r := range s.echo.Routes() {
		if r.Path != "" && !strings.Contains(r.Path, "*") {
			served = append(served, r.Method+" "+paramPattern.ReplaceAllString(r.Path, "{$1}"))
		}
	}
	sort.Strings(served)
	if strings.Join(described, "\n") != strings.Join(served, "\n") {
		t.Fatalf("described and served operations differ:\n%v\n%v", described, served)
	}

	params := regexp.MustCompile(`\{[^}]+\}`)
	for _, op := range described {
		method, path, _ := strings.Cut(op, " ")
		concrete := params.ReplaceAllString(path, "x")
		r := httptest.NewRequest(method, concrete, strings.NewReader("{}"))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		if w.Code == http.StatusMethodNotAllowed || (w.Code == 404 && !strings.Contains(path, "{") && path != "/config") {
			t.Errorf("%s answered %d: %s", op, w.Code, w.Body.Bytes())
		}
	}

	raw := w.Body.String()
	for _, m := range regexp.MustCompile(`"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(raw, -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("dangling $ref %s", m[1])
		}
	}
	svc := doc.Components.Schemas["services"]
	props := svc["properties"].(map[string]any)
	if props["port"].(map[string]any)["default"] != 80.0 || !contains(svc["required"], "host") {
		t.Fatalf("services schema: %v", svc)
	}
	var post map[string]any
	_ = json.Unmarshal(doc.Paths["/services"]["post"], &post)
	if b, _ := json.Marshal(post["requestBody"]); !strings.Contains(string(b), `"#/components/schemas/services"`) {
		t.Fatalf("POST /services body: %s", b)
	}
}

func contains(list any, v string) bool {
	l, _ := list.([]any)
	for _, e := range l {
		if e == v {
			return true
		}
	}
	return false
}
