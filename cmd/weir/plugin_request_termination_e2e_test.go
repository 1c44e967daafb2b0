package main_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestPluginRequestTermination drives Kong's request-termination through the Admin
// API and the proxy: default and configured messages, raw bodies, triggers, echo.
func TestPluginRequestTermination(t *testing.T) {
	p := startPluginNode(t)
	p.route(t, "rt-default", "", []string{"/default"}, "request-termination", `{}`)
	p.route(t, "rt-message", "", []string{"/message"}, "request-termination", `{"status_code":404,"message":"Gone fishing"}`)
	p.route(t, "rt-nobody", "", []string{"/nobody"}, "request-termination", `{"status_code":418}`)
	p.route(t, "rt-raw", "", []string{"/raw"}, "request-termination", `{"status_code":200,"body":"<h1>closed</h1>","content_type":"text/html"}`)
	p.route(t, "rt-trigger", "", []string{"/trigger"}, "request-termination", `{"status_code":403,"trigger":"x-stop"}`)
	p.route(t, "rt-echo", "", []string{`~/echo/(?<id>\d+)/(\w+)$`}, "request-termination", `{"status_code":200,"echo":true}`)

	t.Run("default 503", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/default", nil, nil)
		expectStatus(t, "default", r, 503)
		expectBody(t, "default", r, `{"message":"Service unavailable"}`)
		expectHeader(t, "default", r, "Content-Type", "application/json; charset=utf-8")
	})
	t.Run("status and message", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/message", nil, nil)
		expectStatus(t, "message", r, 404)
		expectBody(t, "message", r, `{"message":"Gone fishing"}`)
	})
	t.Run("status without default message has no body", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/nobody", nil, nil)
		expectStatus(t, "nobody", r, 418)
		expectBody(t, "nobody", r, "")
	})
	t.Run("raw body and content type", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/raw", nil, nil)
		expectStatus(t, "raw", r, 200)
		expectBody(t, "raw", r, "<h1>closed</h1>")
		expectHeader(t, "raw", r, "Content-Type", "text/html")
	})
	t.Run("trigger", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/trigger", nil, nil)
		expectStatus(t, "no trigger", r, 200)
		if saw := sawFull(t, r); saw.Path != "/" { // strip_path
			t.Errorf("upstream saw %q", saw.Path)
		}
		r = do(t, "GET", p.proxy+"/trigger", nil, map[string]string{"X-Stop": ""})
		expectStatus(t, "trigger header (empty)", r, 403)
		expectBody(t, "trigger header", r, "")
		r = do(t, "GET", p.proxy+"/trigger?x-stop", nil, nil)
		expectStatus(t, "trigger query flag", r, 403)
		r = do(t, "GET", p.proxy+"/trigger?other=x-stop", nil, nil)
		expectStatus(t, "value is not a trigger", r, 200)
	})
	t.Run("echo", func(t *testing.T) {
		r := do(t, "POST", p.proxy+"/echo/42/abc?a=1&a=2&flag&b=x%20y", strings.NewReader(`{"k":[1,true]}`),
			map[string]string{"Content-Type": "application/json", "X-Multi": "v"})
		expectStatus(t, "echo", r, 200)
		var got struct {
			Message *string
			Kong    struct {
				NodeID    string `json:"node_id"`
				WorkerPID int    `json:"worker_pid"`
				Hostname  string
			}
			Request struct {
				Scheme, Host, Method, Path string
				Port                       int
				Headers                    map[string]any
				Query                      map[string]any
				Body                       map[string]any
				RawBody                    string `json:"raw_body"`
				URICaptures                struct {
					Named   map[string]string
					Unnamed []string
				} `json:"uri_captures"`
			}
			MatchedRoute   map[string]any `json:"matched_route"`
			MatchedService map[string]any `json:"matched_service"`
		}
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatalf("echo body: %v\n%s", err, r.body)
		}
		rq := got.Request
		if got.Message != nil || got.Kong.NodeID == "" || got.Kong.WorkerPID == 0 || got.Kong.Hostname == "" {
			t.Errorf("message/kong: %s", r.body)
		}
		if rq.Scheme != "http" || rq.Host != "127.0.0.1" || rq.Method != "POST" || rq.Path != "/echo/42/abc" || rq.Port == 0 {
			t.Errorf("request line: %+v", rq)
		}
		if rq.Headers["x-multi"] != "v" || rq.Headers["content-type"] != "application/json" || rq.Headers["host"] == nil {
			t.Errorf("headers: %v", rq.Headers)
		}
		if q, _ := json.Marshal(rq.Query); string(q) != `{"a":["1","2"],"b":"x y","flag":true}` {
			t.Errorf("query: %s", q)
		}
		if b, _ := json.Marshal(rq.Body); string(b) != `{"k":[1,true]}` || rq.RawBody != `{"k":[1,true]}` {
			t.Errorf("body: %s, raw %q", b, rq.RawBody)
		}
		if rq.URICaptures.Named["id"] != "42" || strings.Join(rq.URICaptures.Unnamed, ",") != "42,abc" {
			t.Errorf("uri_captures: %+v", rq.URICaptures)
		}
		if got.MatchedRoute["name"] != "rt-echo" || got.MatchedService["name"] != "rt-echo" || got.MatchedService["host"] != "127.0.0.1" {
			t.Errorf("matched: %v / %v", got.MatchedRoute, got.MatchedService)
		}
	})
	t.Run("echo answers the trigger only", func(t *testing.T) {
		p.route(t, "rt-echo-trigger", "", []string{"/echotrig"}, "request-termination", `{"echo":true,"trigger":"debug","message":"hi"}`)
		r := do(t, "GET", p.proxy+"/echotrig", nil, nil)
		expectStatus(t, "no trigger", r, 200)
		r = do(t, "GET", p.proxy+"/echotrig?debug=1", nil, nil)
		expectStatus(t, "trigger", r, 503)
		if m := r.json(t); m["message"] != "hi" {
			t.Errorf("echo message: %v", m["message"])
		}
	})
	t.Run("message and body refused", func(t *testing.T) {
		r := postJSON(t, p.admin+"/plugins", `{"name":"request-termination","config":{"message":"m","body":"b"}}`)
		expectStatus(t, "message and body", r, 400)
		m := r.json(t)
		if m["message"] != "schema violation (config: message cannot be used with content_type or body)" || m["name"] != "schema violation" {
			t.Errorf("error body: %s", r.body)
		}
	})
}
