package admin_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestKongClientDetection checks what decK and go-kong read to recognise a Kong node.
func TestKongClientDetection(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/", "/services", "/nowhere"} {
		req := e.do("GET", path, "", nil)
		if got := req.header.Get("Server"); got != "kong/3.9.3 (weir/0.1.0)" {
			t.Errorf("GET %s: Server = %q", path, got)
		}
	}
	info := e.want(e.do("GET", "/", "", nil), 200)
	if info["version"] != "3.9.3" || info["weir_version"] != "0.1.0" {
		t.Fatalf("version %v, weir_version %v", info["version"], info["weir_version"])
	}
}

func TestEndpoints(t *testing.T) {
	e := newEnv(t)
	got := e.want(e.do("GET", "/endpoints", "", nil), 200)["data"].([]any)
	var paths []string
	for _, p := range got {
		paths = append(paths, p.(string))
	}
	for _, want := range []string{"/", "/services/{service}/routes/{route}", "/tags/{tag}", "/schemas/{entity}/validate", "/plugins/schema/{name}"} {
		if !slices.Contains(paths, want) {
			t.Errorf("GET /endpoints lacks %s: %v", want, paths)
		}
	}
	// Kong's order: /a/z before /ab.
	if i, j := slices.Index(paths, "/plugins/{plugin}"), slices.Index(paths, "/routes"); i > j {
		t.Errorf("order: %v", paths)
	}
	if i, j := slices.Index(paths, "/schemas/{entity}/validate"), slices.Index(paths, "/services"); i > j {
		t.Errorf("order: %v", paths)
	}
	// Every listed path answers something other than 404 once its parameters are filled.
	for _, p := range paths {
		concrete := strings.NewReplacer("{tag}", "t", "{entity}", "services", "{name}", "key-auth").Replace(p)
		if strings.Contains(concrete, "{") {
			continue
		}
		if r := e.do("GET", concrete, "", nil); r.status == 404 && r.body["message"] == "Not found" && !strings.Contains(p, "validate") {
			t.Errorf("listed endpoint %s is not served", p)
		}
	}
}

func TestSchemaValidate(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, path, ct, body string
		status               int
		want                 string
	}{
		{"valid service", "/schemas/services/validate", "application/json", `{"host":"example.com"}`, 200,
			`{"message":"schema validation successful"}`},
		{"service form url", "/schemas/services/validate", "application/x-www-form-urlencoded", "url=" + url.QueryEscape("http://a/b"), 200,
			`{"message":"schema validation successful"}`},
		{"invalid service", "/schemas/services/validate", "application/json", `{"port":70000,"host":"h"}`, 400,
			`{"code":2,"name":"schema violation","message":"schema violation (port: value should be between 0 and 65535)","fields":{"port":"value should be between 0 and 65535"}}`},
		{"invalid route", "/schemas/routes/validate", "application/json", `{"protocols":["http"]}`, 400,
			`{"code":2,"name":"schema violation","message":"schema violation (must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http')","fields":{"@entity":["must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'"]}}`},
		{"valid plugin", "/schemas/plugins/validate", "application/json", `{"name":"key-auth","config":{"key_names":["k"]}}`, 200,
			`{"message":"schema validation successful"}`},
		{"plugin config", "/schemas/plugins/validate", "application/x-www-form-urlencoded", "name=key-auth&config.hide_credentials=maybe", 400,
			`{"code":2,"name":"schema violation","message":"schema violation (config.hide_credentials: expected a boolean)","fields":{"config":{"hide_credentials":"expected a boolean"}}}`},
		{"unknown plugin", "/schemas/plugins/validate", "application/json", `{"name":"nope"}`, 400,
			`{"code":2,"name":"schema violation","message":"schema violation (name: plugin 'nope' not enabled; add it to the 'plugins' configuration property)","fields":{"name":"plugin 'nope' not enabled; add it to the 'plugins' configuration property"}}`},
		{"unknown entity", "/schemas/nope/validate", "application/json", `{}`, 404, `{"message":"No entity named 'nope'"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", tc.path, tc.ct, []byte(tc.body))
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			jsonEq(t, r.body, tc.want)
		})
	}
	if n := len(e.want(e.do("GET", "/services", "", nil), 200)["data"].([]any)); n != 0 {
		t.Fatalf("validate stored %d services", n)
	}
}

func TestUnsupportedContentType(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		method, ct string
		status     int
	}{
		{"POST", "text/plain", 415},
		{"PUT", "application/xml", 415},
		{"PATCH", "bogus", 415},
		{"POST", "application/json; charset=utf-8", 201},
		{"GET", "text/plain", 200},
	}
	jsonEq(t, e.want(e.form("POST", "/consumers", "=0"), 400), `{"message":"form field without a name: \"\""}`)
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.ct, func(t *testing.T) {
			path := "/consumers"
			if tc.method == "PUT" || tc.method == "PATCH" {
				path = "/consumers/x"
			}
			r := e.do(tc.method, path, tc.ct, []byte(`{"username":"u-`+fmt.Sprint(len(tc.ct))+`"}`))
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.status == 415 && !strings.HasPrefix(fmt.Sprint(r.body["message"]), "Unsupported Content-Type") {
				t.Fatalf("body %s", r.raw)
			}
		})
	}
}

func TestUniqueFilters(t *testing.T) {
	e := newEnv(t)
	e.want(e.json("POST", "/consumers", `{"username":"alice","custom_id":"c-1","tags":["x"]}`), 201)
	e.want(e.json("POST", "/consumers", `{"username":"bob"}`), 201)
	e.want(e.json("POST", "/services", `{"name":"s1","host":"h"}`), 201)
	e.want(e.json("POST", "/services", `{"name":"s2","host":"h"}`), 201)
	e.want(e.form("POST", "/services/s1/routes", "name=r1", "paths[]=/a"), 201)
	tests := []struct {
		path string
		want []string
	}{
		{"/consumers?custom_id=c-1", []string{"alice"}},
		{"/consumers?username=bob", []string{"bob"}},
		{"/consumers?username=carol", nil},
		{"/consumers?username=alice&tags=x", []string{"alice"}},
		{"/consumers?username=alice&tags=y", nil},
		{"/services?name=s2", []string{"s2"}},
		{"/services/s1/routes?name=r1", []string{"r1"}},
		{"/services/s2/routes?name=r1", nil},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			body := e.want(e.do("GET", tc.path, "", nil), 200)
			var got []string
			for _, d := range body["data"].([]any) {
				m := d.(map[string]any)
				name, _ := m["name"].(string)
				if u, ok := m["username"].(string); ok {
					name = u
				}
				got = append(got, name)
			}
			if !reflect.DeepEqual(got, tc.want) || body["next"] != nil {
				t.Fatalf("got %v (next %v), want %v", got, body["next"], tc.want)
			}
		})
	}
}

func TestTagsEndpoint(t *testing.T) {
	e := newEnv(t)
	svc := e.want(e.json("POST", "/services", `{"name":"s","host":"h","tags":["prod","team-a"]}`), 201)
	con := e.want(e.json("POST", "/consumers", `{"username":"u","tags":["prod"]}`), 201)
	e.want(e.json("POST", "/consumers", `{"username":"untagged"}`), 201)

	all := e.want(e.do("GET", "/tags", "", nil), 200)
	jsonEq(t, all["data"], fmt.Sprintf(`[
		{"entity_name":"%s","entity_id":"%s","tag":"prod"},
		{"entity_name":"services","entity_id":"%s","tag":"prod"},
		{"entity_name":"services","entity_id":"%s","tag":"team-a"}]`, "consumers", con["id"], svc["id"], svc["id"]))

	prod := e.want(e.do("GET", "/tags/prod?size=1", "", nil), 200)
	next, _ := prod["next"].(string)
	if len(prod["data"].([]any)) != 1 || !strings.HasPrefix(next, "/tags/prod?offset=") {
		t.Fatalf("first page %v", prod)
	}
	rest := e.want(e.do("GET", next, "", nil), 200)
	jsonEq(t, rest["data"], fmt.Sprintf(`[{"entity_name":"services","entity_id":"%s","tag":"prod"}]`, svc["id"]))
	if _, ok := rest["offset"]; ok || rest["next"] != nil {
		t.Fatalf("last page carries an offset: %v", rest)
	}
	jsonEq(t, e.want(e.do("GET", "/tags/none", "", nil), 200)["data"], `[]`)
	e.want(e.do("GET", "/tags?offset=%21", "", nil), 400)
}

// TestFullLastPage: a last page exactly as long as the page size has no offset, so a
// client walking pages stops without one more empty request.
func TestFullLastPage(t *testing.T) {
	e := newEnv(t)
	for i := range 4 {
		e.want(e.form("POST", "/consumers", fmt.Sprintf("username=c%d", i)), 201)
	}
	first := e.want(e.do("GET", "/consumers?size=2", "", nil), 200)
	second := e.want(e.do("GET", first["next"].(string), "", nil), 200)
	if _, ok := second["offset"]; ok || second["next"] != nil || len(second["data"].([]any)) != 2 {
		t.Fatalf("full last page: %v", second)
	}
	whole := e.want(e.do("GET", "/consumers?size=4", "", nil), 200)
	if _, ok := whole["offset"]; ok || whole["next"] != nil {
		t.Fatalf("single full page: %v", whole)
	}
}

// TestSchemaDefaultsMatchAPI fills a minimal entity from the defaults GET /schemas
// serves, as decK does before a diff, and checks that the API filled in the same
// values: otherwise every sync would show changes.
func TestSchemaDefaultsMatchAPI(t *testing.T) {
	e := newEnv(t)
	e.want(e.json("POST", "/services", `{"name":"svc","host":"h"}`), 201)
	e.want(e.json("POST", "/consumers", `{"username":"con"}`), 201)
	tests := []struct{ schemaPath, createPath, body string }{
		{"/schemas/services", "/services", `{"host":"example.com"}`},
		{"/schemas/routes", "/routes", `{"paths":["/x"]}`},
		{"/schemas/plugins/key-auth", "/plugins", `{"name":"key-auth"}`},
		{"/schemas/upstreams", "/upstreams", `{"name":"u1"}`},
		{"/schemas/targets", "/upstreams/u1/targets", `{"target":"a.example:1"}`},
	}
	for _, tc := range tests {
		t.Run(tc.schemaPath, func(t *testing.T) {
			sch := e.want(e.do("GET", tc.schemaPath, "", nil), 200)
			created := e.want(e.json("POST", tc.createPath, tc.body), 201)
			var in map[string]any
			_ = json.Unmarshal([]byte(tc.body), &in)
			filled := fillDefaults(sch["fields"].([]any), in, false)
			for k, v := range filled {
				if !reflect.DeepEqual(created[k], v) {
					t.Errorf("%s: schema default gives %v, the API stored %v", k, v, created[k])
				}
			}
			if len(filled) <= len(in) {
				t.Fatalf("schema %s has no defaults: %v", tc.schemaPath, sch)
			}
		})
	}
}

// fillDefaults is decK's defaulter in small: fields absent from in take the schema's
// default, records recursively; inside a record, absent fields without one are null.
func fillDefaults(fields []any, in map[string]any, nested bool) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		out[k] = v
	}
	for _, f := range fields {
		for name, def := range f.(map[string]any) {
			d := def.(map[string]any)
			sub, isRecord := d["fields"].([]any)
			switch {
			case isRecord && out[name] == nil && d["required"] != true && d["default"] == nil:
				// a nullable record without a default stays null, as in Kong
			case isRecord:
				inner, _ := out[name].(map[string]any)
				out[name] = fillDefaults(sub, inner, true)
			case out[name] == nil && d["default"] != nil:
				out[name] = d["default"]
			case nested:
				out[name] = out[name]
			}
		}
	}
	return out
}
