package main_test

import (
	"strings"
	"testing"
)

// TestPluginCORS checks Kong's cors: preflight answers (status, headers, Vary),
// headers on proxied responses, the origin rules (all, one literal, a list with
// regexes matched on the host or on the whole origin), credentials, exposed headers,
// max age, private network and preflight_continue.
func TestPluginCORS(t *testing.T) {
	p := startPluginNode(t)
	p.route(t, "cors-all", "", []string{"/all"}, "cors", `{}`)
	p.route(t, "cors-one", "", []string{"/one"}, "cors", `{"origins":["http://a.example"],"exposed_headers":["X-One","X-Two"]}`)
	p.route(t, "cors-list", "", []string{"/list"}, "cors",
		`{"origins":["http://a.example:80","https://.*\\.b\\.example","(.*)\\.c\\.example"],"credentials":true,"max_age":3600,
		  "methods":["GET","POST"],"headers":["X-Req","X-Other"],"private_network":true}`)
	p.route(t, "cors-creds", "", []string{"/creds"}, "cors", `{"credentials":true}`)
	p.route(t, "cors-continue", "", []string{"/continue"}, "cors", `{"preflight_continue":true}`)
	pre := func(origin string) map[string]string {
		return map[string]string{"Origin": origin, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "X-Custom"}
	}

	t.Run("every origin", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/all", nil, map[string]string{"Origin": "http://x.example"})
		expectStatus(t, "get", r, 200)
		expectHeader(t, "get", r, "Access-Control-Allow-Origin", "*")
		expectHeader(t, "get", r, "Vary", "")
		expectHeader(t, "get", r, "Access-Control-Allow-Credentials", "")
		r = do(t, "OPTIONS", p.proxy+"/all", nil, pre("http://x.example"))
		expectStatus(t, "preflight", r, 200)
		expectBody(t, "preflight", r, "")
		expectHeader(t, "preflight", r, "Access-Control-Allow-Origin", "*")
		expectHeader(t, "preflight", r, "Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT")
		expectHeader(t, "preflight", r, "Access-Control-Allow-Headers", "X-Custom")
		expectHeader(t, "preflight", r, "Access-Control-Max-Age", "")
		r = do(t, "OPTIONS", p.proxy+"/all", nil, map[string]string{"Origin": "http://x.example"})
		if saw := sawFull(t, r); saw.Method != "OPTIONS" {
			t.Errorf("OPTIONS without Access-Control-Request-Method not proxied: %+v", saw)
		}
		expectHeader(t, "plain OPTIONS", r, "Access-Control-Allow-Origin", "*")
	})
	t.Run("one literal origin", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/one", nil, map[string]string{"Origin": "http://elsewhere.example"})
		expectHeader(t, "get", r, "Access-Control-Allow-Origin", "http://a.example")
		expectHeader(t, "get", r, "Vary", "Origin")
		expectHeader(t, "get", r, "Access-Control-Expose-Headers", "X-One,X-Two")
		r = do(t, "GET", p.proxy+"/one", nil, nil)
		expectHeader(t, "no Origin", r, "Access-Control-Allow-Origin", "http://a.example")
		r = do(t, "OPTIONS", p.proxy+"/one", nil, pre("http://a.example"))
		expectStatus(t, "preflight", r, 200)
		expectHeader(t, "preflight", r, "Vary", "Origin")
		expectHeader(t, "preflight", r, "Access-Control-Expose-Headers", "")
	})
	t.Run("origin list", func(t *testing.T) {
		for origin, want := range map[string]string{
			"http://a.example":          "http://a.example", // the default port is dropped on both sides
			"http://a.example:80":       "http://a.example",
			"https://x.b.example":       "https://x.b.example",
			"https://x.b.example.evil":  "",
			"http://x.b.example":        "",
			"http://deep.x.c.example:9": "http://deep.x.c.example:9", // no ':' in the regex: host alone
			"http://c.example.evil":     "",
		} {
			r := do(t, "GET", p.proxy+"/list", nil, map[string]string{"Origin": origin})
			expectHeader(t, origin, r, "Access-Control-Allow-Origin", want)
			expectHeader(t, origin, r, "Vary", "Origin")
			expectHeader(t, origin, r, "Access-Control-Allow-Credentials", "true")
		}
		r := do(t, "OPTIONS", p.proxy+"/list", nil, map[string]string{"Origin": "https://x.b.example",
			"Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true"})
		expectStatus(t, "preflight", r, 200)
		expectHeader(t, "preflight", r, "Access-Control-Allow-Origin", "https://x.b.example")
		expectHeader(t, "preflight", r, "Access-Control-Allow-Credentials", "true")
		expectHeader(t, "preflight", r, "Access-Control-Allow-Methods", "GET,POST")
		expectHeader(t, "preflight", r, "Access-Control-Allow-Headers", "X-Req,X-Other")
		expectHeader(t, "preflight", r, "Access-Control-Max-Age", "3600")
		expectHeader(t, "preflight", r, "Access-Control-Allow-Private-Network", "true")
		expectHeader(t, "preflight", r, "Vary", "Origin")
		r = do(t, "OPTIONS", p.proxy+"/list", nil, pre("http://nope.example"))
		expectStatus(t, "preflight from a refused origin", r, 200)
		expectHeader(t, "refused", r, "Access-Control-Allow-Origin", "")
		expectHeader(t, "refused", r, "Access-Control-Allow-Private-Network", "")
	})
	t.Run("credentials with every origin echo the Origin", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/creds", nil, map[string]string{"Origin": "http://z.example"})
		expectHeader(t, "get", r, "Access-Control-Allow-Origin", "http://z.example")
		expectHeader(t, "get", r, "Access-Control-Allow-Credentials", "true")
		expectHeader(t, "get", r, "Vary", "Origin")
		r = do(t, "GET", p.proxy+"/creds", nil, nil)
		expectHeader(t, "no Origin", r, "Access-Control-Allow-Origin", "*")
		expectHeader(t, "no Origin", r, "Access-Control-Allow-Credentials", "")
	})
	t.Run("preflight_continue", func(t *testing.T) {
		r := do(t, "OPTIONS", p.proxy+"/continue", nil, pre("http://x.example"))
		expectStatus(t, "preflight", r, 200)
		if saw := sawFull(t, r); saw.Method != "OPTIONS" {
			t.Errorf("upstream saw %q", saw.Method)
		}
		expectHeader(t, "proxied preflight", r, "Access-Control-Allow-Origin", "")
		expectHeader(t, "proxied preflight", r, "Access-Control-Allow-Methods", "")
	})
	t.Run("bad regex refused", func(t *testing.T) {
		r := postJSON(t, p.admin+"/plugins", `{"name":"cors","config":{"origins":["(bad"]}}`)
		expectStatus(t, "bad regex", r, 400)
		if !strings.Contains(string(r.body), `"fields":{"config":{"origins":["'(bad' is not a valid regex"]}}`) {
			t.Errorf("error body: %s", r.body)
		}
	})
}
