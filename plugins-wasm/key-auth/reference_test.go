package keyauth_test

// key-auth is written in Rust (plugin.rs); this test holds what it finds in a request's
// query and body, and what hide_credentials leaves of them, to the Go SDK's readers
// (weir.Query, weir.ParseBody) that the plugin's Go implementation used, through a
// real gateway.

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/weir-gateway/weir/host/plugintest"
	"github.com/weir-gateway/weir/sdk/weir"
)

// contentTypes are the bodies' types a fuzz input picks from.
var contentTypes = []string{"application/json", "application/x-www-form-urlencoded", "text/plain", "Application/JSON; charset=utf-8"}

// expect is the reference: Kong's search for "apikey" in the query, then the body, as
// the Go plugin made it with the SDK; the status, the message of a refusal, and what
// the upstream sees of an accepted request.
func expect(query string, contentType string, body []byte) (status int, msg, upQuery string, upBody []byte) {
	q := weir.Query(query)
	parsed := weir.ParseBody(contentType, body)
	a := q.Arg("apikey")
	if a.Kind == weir.ArgAbsent {
		a = parsed.Arg("apikey")
	}
	switch {
	case a.Kind == weir.ArgList:
		return http.StatusUnauthorized, "Duplicate API key found", "", nil
	case a.Kind != weir.ArgString || a.Value == "":
		return http.StatusUnauthorized, "No API key found in request", "", nil
	case a.Value != "k1":
		return http.StatusUnauthorized, "Unauthorized", "", nil
	}
	upQuery, upBody = query, body
	if q.Arg("apikey").Kind != weir.ArgAbsent {
		upQuery = string(q.Without("apikey"))
	}
	if out, ok := parsed.Without("apikey"); ok {
		upBody = out
	}
	return http.StatusOK, "", upQuery, upBody
}

// asEchoed is b as the echo upstream's JSON carries it (invalid UTF-8 replaced).
func asEchoed(b []byte) string {
	j, _ := json.Marshal(string(b))
	var s string
	_ = json.Unmarshal(j, &s)
	return s
}

func FuzzKeyAuthQueryAndBody(f *testing.F) {
	for _, s := range []struct {
		query, body string
		ct          uint8
	}{
		{"", `{"apikey":"k1","x":[1, 2]}`, 0},
		{"a=1&apikey=k1&b=%41", "", 2},
		{"", "z=1&apikey=k1&a=x+y", 1},
		{"apikey", `{"apikey":"k1"}`, 0},
		{"", `{"apikey":"k1","apikey":"k2"}`, 3},
		{"", "apikey=k1&apikey=k1", 1},
		{"", `{"apikey":["k1"]}`, 0},
		{"api%6Bey=k1", "", 2},
		{"", `{"apikey":"k1","h":"<&>\u2028"}`, 0},
		{"", "apikey=k1;x=1", 1},
		{"", `{"apikey":"k1"} trailing`, 0},
		{"", `{"a":{"b":}, "apikey":"k1"}`, 0},
		{"", `{"apikey":"k1","h":"\u+000"}`, 0},
	} {
		f.Add(s.query, []byte(s.body), s.ct)
	}
	gw := plugintest.Start(f, plugintest.Options{})
	if err := gw.Admin("POST", "/consumers", map[string]any{"username": "u"}, nil); err != nil {
		f.Fatal(err)
	}
	if err := gw.Admin("POST", "/consumers/u/key-auth", map[string]any{"key": "k1"}, nil); err != nil {
		f.Fatal(err)
	}
	if _, err := gw.Enable("key-auth", map[string]any{"key_in_header": false, "key_in_body": true, "hide_credentials": true}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string, body []byte, ct uint8) {
		for i := 0; i < len(query); i++ {
			if c := query[i]; c <= ' ' || c >= 0x7f || c == '#' {
				t.Skip("a query a client cannot send as it is")
			}
		}
		contentType := contentTypes[int(ct)%len(contentTypes)]
		path := "/"
		if query != "" {
			path += "?" + query
		}
		r, err := gw.Send("POST", path, body, "Content-Type", contentType)
		if err != nil {
			t.Fatal(err)
		}
		status, msg, upQuery, upBody := expect(query, contentType, body)
		if r.Status != status {
			t.Fatalf("query %q, %s body %q: status %d (%s), want %d %s", query, contentType, body, r.Status, r.Body, status, msg)
		}
		if status != http.StatusOK {
			var got struct{ Message string }
			if json.Unmarshal(r.Body, &got) != nil || got.Message != msg {
				t.Fatalf("query %q, body %q: answer %s, want message %q", query, body, r.Body, msg)
			}
			return
		}
		if r.Upstream == nil {
			t.Fatalf("no upstream answer: %s", r.Body)
		}
		if r.Upstream.Query != upQuery || r.Upstream.Body != asEchoed(upBody) {
			t.Fatalf("query %q, %s body %q: the upstream saw query %q body %q, want %q and %q",
				query, contentType, body, r.Upstream.Query, r.Upstream.Body, upQuery, asEchoed(upBody))
		}
	})
}
