package main_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// jsonUpstream answers /json with a JSON object (spaced as no encoder would write it)
// and headers to transform, /text with a text body, /jsonarray with a JSON array.
func jsonUpstream(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-One"] = []string{"1"}
		h["X-Multi"] = []string{"a", "b"}
		h["X-Keep"] = []string{"k"}
		switch r.URL.Path {
		case "/text":
			h.Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(`{"a": "not json to me"}`))
		case "/jsonarray":
			h.Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[1, 2]`))
		default:
			h.Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write([]byte(`{"a": "x", "b": 1, "f": false, "n": null, "l": [1], "s": "str", "o": {"k": 1}}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestPluginResponseTransformer checks Kong's response-transformer on headers (each
// operation, Kong's order, tests against the headers as they came) and JSON bodies
// (each operation, json_types, Content-Length of the new body; bodies left alone
// without json operations or when not JSON).
func TestPluginResponseTransformer(t *testing.T) {
	p := startPluginNode(t)
	up := jsonUpstream(t)
	p.route(t, "rt-headers", up, []string{"/headers"}, "response-transformer", `{
		"remove":  {"headers": ["x-one", "x-absent"]},
		"rename":  {"headers": ["x-multi:x-renamed"]},
		"replace": {"headers": ["x-keep:replaced", "x-nothere:no"]},
		"add":     {"headers": ["x-one:not-added", "x-new:added", "x-keep:no"]},
		"append":  {"headers": ["x-new:appended", "x-app:1"]}}`)
	// without a rename the plugin asks for the headers it tests instead of reading them all
	p.route(t, "rt-headers-asked", up, []string{"/asked"}, "response-transformer", `{
		"remove":  {"headers": ["x-one", "x-absent"]},
		"replace": {"headers": ["x-keep:replaced", "x-nothere:no"]},
		"add":     {"headers": ["x-one:not-added", "x-new:added", "x-keep:no"]},
		"append":  {"headers": ["x-new:appended", "x-app:1"]}}`)
	p.route(t, "rt-json", up, []string{"/json"}, "response-transformer", `{
		"remove":  {"json": ["a"]},
		"rename":  {"json": ["s:t", "missing:m"]},
		"replace": {"json": ["b:2", "f:no", "n:was-null", "z:no"], "json_types": ["number"]},
		"add":     {"json": ["new:true", "f:yes", "num:1.5", "bad:nope", "b:9"], "json_types": ["boolean", "string", "number", "number"]},
		"append":  {"json": ["l:x", "t:y", "o:v", "fresh:1"], "json_types": ["string", "string", "string", "number"]}}`)
	// the body callback reads Content-Type as the header operations left it, as Kong's
	// body_filter does: made JSON, the text body is rewritten; taken away, the JSON
	// body is not
	p.route(t, "rt-made-json", up, []string{"/made"}, "response-transformer", `{
		"replace": {"headers": ["content-type:application/json"]},
		"remove":  {"json": ["a"]}, "add": {"json": ["added:1"]}}`)
	p.route(t, "rt-untyped", up, []string{"/untyped"}, "response-transformer", `{
		"remove": {"headers": ["content-type"], "json": ["a"]}}`)
	p.route(t, "rt-headers-only", up, []string{"/plain"}, "response-transformer", `{"add": {"headers": ["x-added:1"]}}`)

	t.Run("headers", func(t *testing.T) {
		// add tests the headers as they came: x-one was there before remove took it
		removed, added := [2]string{"X-One", ""}, [2]string{"X-New", "added|appended"}
		replaced, notThere, appended := [2]string{"X-Keep", "replaced"}, [2]string{"X-Nothere", ""}, [2]string{"X-App", "1"}
		for _, tc := range []struct {
			path string
			want [][2]string
		}{
			{"/headers", [][2]string{removed, {"X-Multi", ""}, {"X-Renamed", "a|b"}, replaced, notThere, added, appended}},
			{"/asked", [][2]string{removed, {"X-Multi", "a|b"}, replaced, notThere, added, appended}},
		} {
			r := do(t, "GET", p.proxy+tc.path, nil, nil)
			expectStatus(t, tc.path, r, 200)
			for _, w := range tc.want {
				expectHeader(t, tc.path, r, w[0], w[1])
			}
		}
	})
	t.Run("json body", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/json", nil, nil)
		expectStatus(t, "json", r, 200)
		want := `{"b":2,"f":"yes","fresh":[1],"l":[1,"x"],"n":"was-null","new":true,"num":1.5,"o":{"1":"v","k":1},"t":["str","y"]}`
		expectBody(t, "json", r, want)
		expectHeader(t, "json", r, "Content-Length", strconv.Itoa(len(want)))
		expectHeader(t, "json", r, "Content-Type", "application/json; charset=utf-8")
	})
	t.Run("not json", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/json/text", nil, nil)
		expectBody(t, "text", r, `{"a": "not json to me"}`)
		r = do(t, "GET", p.proxy+"/json/jsonarray", nil, nil)
		expectBody(t, "array", r, `[1, 2]`)
	})
	t.Run("content type as the header operations left it", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/made/text", nil, nil)
		expectBody(t, "made json", r, `{"added":"1"}`)
		expectHeader(t, "made json", r, "Content-Type", "application/json")
		r = do(t, "GET", p.proxy+"/untyped", nil, nil)
		expectBody(t, "untyped", r, `{"a": "x", "b": 1, "f": false, "n": null, "l": [1], "s": "str", "o": {"k": 1}}`)
	})
	t.Run("body untouched without json operations", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/plain", nil, nil)
		expectBody(t, "plain", r, `{"a": "x", "b": 1, "f": false, "n": null, "l": [1], "s": "str", "o": {"k": 1}}`)
		expectHeader(t, "plain", r, "X-Added", "1")
	})
	t.Run("streamed response", func(t *testing.T) {
		expectStatus(t, "service", form(t, p.admin+"/services", "name=rt-stream", "url="+up), 201)
		expectStatus(t, "route", form(t, p.admin+"/services/rt-stream/routes", "name=rt-stream", "paths[]=/stream",
			"response_buffering=false"), 201)
		expectStatus(t, "plugin", postJSON(t, p.admin+"/routes/rt-stream/plugins",
			`{"name":"response-transformer","config":{"remove":{"json":["o","l","s","n","f"]},"add":{"headers":["x-s:1"]}}}`), 201)
		r := do(t, "GET", p.proxy+"/stream", nil, nil)
		expectBody(t, "streamed", r, `{"a":"x","b":1}`)
		expectHeader(t, "streamed", r, "X-S", "1")
	})
}
