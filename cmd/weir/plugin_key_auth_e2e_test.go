package main_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestPluginKeyAuth drives key-auth through the real binary: where Kong looks for the
// key (header, query, form or JSON body, in key_names order), what it refuses and how
// (Kong's bodies and WWW-Authenticate), and what hide_credentials takes from the
// request the upstream sees.
func TestPluginKeyAuth(t *testing.T) {
	p := startPluginNode(t)
	expectStatus(t, "consumer", form(t, p.admin+"/consumers", "username=alice"), 201)
	cred := form(t, p.admin+"/consumers/alice/key-auth", "key=alice-key")
	expectStatus(t, "key", cred, 201)
	credID, _ := cred.json(t)["id"].(string)
	// a key with what JSON escapes or HTML-safe JSON writes as \u escapes, and non-ASCII
	const oddKey = `bob<&>"\é`
	expectStatus(t, "consumer", form(t, p.admin+"/consumers", "username=bob"), 201)
	expectStatus(t, "odd key", form(t, p.admin+"/consumers/bob/key-auth", "key="+oddKey), 201)

	p.route(t, "ka", "", []string{"/ka"}, "key-auth", `{}`)
	p.route(t, "ka-hide", "", []string{"/hide"}, "key-auth",
		`{"hide_credentials":true,"key_in_body":true,"key_names":["apikey","api_token"],"realm":"weir"}`)
	p.route(t, "ka-headers-only", "", []string{"/headers-only"}, "key-auth", `{"key_in_query":false}`)

	t.Run("accepted", func(t *testing.T) {
		for _, tc := range []struct {
			what, path string
			header     map[string]string
		}{
			{"header", "/ka", map[string]string{"apikey": "alice-key"}},
			{"query", "/ka?apikey=alice-key", nil},
			{"query, escaped", "/ka?apikey=alice%2Dkey", nil},
			{"second key name, underscores read as dashes", "/hide", map[string]string{"Api-Token": "alice-key"}},
		} {
			r := do(t, "GET", p.proxy+tc.path, nil, tc.header)
			expectStatus(t, tc.what, r, 200)
			saw := sawFull(t, r)
			expectValue(t, tc.what+": X-Consumer-Username", saw.header("X-Consumer-Username"), "alice")
			expectValue(t, tc.what+": X-Credential-Identifier", saw.header("X-Credential-Identifier"), credID)
		}
		for what, header := range map[string]map[string]string{"odd key in a header": {"apikey": oddKey}, "odd key in the query": nil} {
			path := "/ka"
			if header == nil {
				path += "?apikey=" + url.QueryEscape(oddKey)
			}
			r := do(t, "GET", p.proxy+path, nil, header)
			expectStatus(t, what, r, 200)
			expectValue(t, what+": X-Consumer-Username", sawFull(t, r).header("X-Consumer-Username"), "bob")
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			what, path string
			header     map[string]string
			msg, auth  string
		}{
			{"no key", "/ka", nil, "No API key found in request", "Key"},
			{"unknown key", "/ka", map[string]string{"apikey": "nope"}, "Unauthorized", "Key"},
			{"empty key", "/ka?apikey=", nil, "No API key found in request", "Key"},
			{"duplicate query argument", "/ka?apikey=a&apikey=b", nil, "Duplicate API key found", "Key"},
			{"query flag", "/ka?apikey", nil, "No API key found in request", "Key"},
			{"query off", "/headers-only?apikey=alice-key", nil, "No API key found in request", "Key"},
			{"realm", "/hide", nil, "No API key found in request", `Key realm="weir"`},
		} {
			r := do(t, "GET", p.proxy+tc.path, nil, tc.header)
			expectStatus(t, tc.what, r, 401)
			expectHeader(t, tc.what, r, "WWW-Authenticate", tc.auth)
			expectHeader(t, tc.what, r, "Content-Type", "application/json; charset=utf-8")
			body := r.json(t)
			if body["message"] != tc.msg || body["request_id"] != r.header.Get("X-Kong-Request-Id") || body["request_id"] == "" {
				t.Errorf("%s: body %s, want message %q and the request id %q", tc.what, r.body, tc.msg, r.header.Get("X-Kong-Request-Id"))
			}
		}
	})

	t.Run("hide_credentials", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/hide?a=1&apikey=alice-key&b=%41", nil, map[string]string{"X-Other": "kept"})
		expectStatus(t, "key in query", r, 200)
		saw := sawFull(t, r)
		expectValue(t, "query upstream", saw.Query, "a=1&b=%41")
		expectValue(t, "X-Other upstream", saw.header("X-Other"), "kept")

		r = do(t, "GET", p.proxy+"/hide", nil, map[string]string{"apikey": "alice-key"})
		expectStatus(t, "key in header", r, 200)
		if saw := sawFull(t, r); saw.has("apikey") {
			t.Errorf("the upstream saw the key header: %v", saw.Headers)
		}

		r = do(t, "POST", p.proxy+"/hide", strings.NewReader(`{"z":[1, 2],"apikey":"alice-key","a":"<b>"}`),
			map[string]string{"Content-Type": "application/json"})
		expectStatus(t, "key in JSON body", r, 200)
		expectValue(t, "JSON body upstream", sawFull(t, r).Body, `{"a":"\u003cb\u003e","z":[1,2]}`)

		r = do(t, "POST", p.proxy+"/hide", strings.NewReader(`z=1&apikey=alice-key&a=x+y`),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		expectStatus(t, "key in form body", r, 200)
		expectValue(t, "form body upstream", sawFull(t, r).Body, `a=x+y&z=1`)

		r = do(t, "POST", p.proxy+"/hide", strings.NewReader(`{"apikey":"nope"}`), map[string]string{"Content-Type": "application/json"})
		expectStatus(t, "unknown key in body", r, 401)
	})
}
