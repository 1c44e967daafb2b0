package main_test

import (
	"strconv"
	"strings"
	"testing"
)

// TestPluginRequestTransformer checks Kong's request-transformer through the echo
// upstream: each operation on headers (Host included), query arguments and JSON,
// form and multipart bodies, in Kong's order and with its rules, templates over
// headers, query arguments and regex captures, replace.uri and http_method.
func TestPluginRequestTransformer(t *testing.T) {
	p := startPluginNode(t)
	p.route(t, "rqt-headers", "", []string{"/h"}, "request-transformer", `{
		"remove":  {"headers": ["x-remove", "x-gone-then-added"]},
		"rename":  {"headers": ["x-old:x-new"]},
		"replace": {"headers": ["x-rep:replaced-$(headers[\"x-src\"])", "x-absent:nope", "host:changed.example", "x-keep:"]},
		"add":     {"headers": ["x-gone-then-added:added", "x-keep:no", "x-fresh:$(query_params.q)", "host:never", "x-empty:"]},
		"append":  {"headers": ["x-keep:second", "x-list:$(headers.nothere)!", "x-keep::"]}}`)
	p.route(t, "rqt-query", "", []string{"/q"}, "request-transformer", `{
		"remove":  {"querystring": ["r"]},
		"rename":  {"querystring": ["old:new"]},
		"replace": {"querystring": ["rep:$(query_params.src)", "absent:x"]},
		"add":     {"querystring": ["rep:no", "added:a b"]},
		"append":  {"querystring": ["multi:3", "fresh:f"]}}`)
	p.route(t, "rqt-body", "", []string{"/b"}, "request-transformer", `{
		"remove":  {"body": ["r"]},
		"rename":  {"body": ["old:new", "f:nf"]},
		"replace": {"body": ["num:$(headers[\"x-v\"])", "fls:no", "nul:yes", "absent:no"]},
		"add":     {"body": ["added:a", "fls:added", "num:no"]},
		"append":  {"body": ["s:two", "l:x", "o:y", "n2:z"]}}`)
	p.route(t, "rqt-uri", "", []string{`~/users/(?<id>\d+)$`}, "request-transformer", `{
		"replace": {"uri": "/v2/user/$(uri_captures.id)/$(uri_captures[1])"},
		"add":     {"querystring": ["from:$(headers[\"x-who\"] or 'anon')"]}}`)
	p.route(t, "rqt-method", "", []string{"/m"}, "request-transformer", `{"http_method": "GET"}`)

	t.Run("headers", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/h?q=qv", nil, map[string]string{"X-Remove": "1", "X-Gone-Then-Added": "old",
			"X-Old": "o", "X-Rep": "r", "X-Src": "s", "X-Keep": "k"})
		expectStatus(t, "headers", r, 200)
		saw := sawFull(t, r)
		for name, want := range map[string]string{"X-Remove": "", "X-Old": "", "X-New": "o", "X-Rep": "replaced-s",
			"X-Absent": "", "X-Gone-Then-Added": "added", "X-Keep": "k, second", "X-Fresh": "qv", "X-List": "!",
			"X-Empty": ""} { // a header entry without a value changes nothing, as in Kong
			if got := saw.header(name); got != want || (want == "") == saw.has(name) {
				t.Errorf("upstream %s = %q (present %v), want %q", name, got, saw.has(name), want)
			}
		}
		if saw.Host != "changed.example" {
			t.Errorf("upstream Host %q, want the replaced one", saw.Host)
		}
	})
	t.Run("querystring", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/q?r=1&old=o&rep=x&src=S&multi=1&multi=2&z", nil, nil)
		expectStatus(t, "query", r, 200)
		if got := sawFull(t, r).Query; got != "added=a%20b&fresh=f&multi=1&multi=2&multi=3&new=o&rep=S&src=S&z" {
			t.Errorf("upstream query %q", got)
		}
	})
	t.Run("json body", func(t *testing.T) {
		r := do(t, "POST", p.proxy+"/b", strings.NewReader(
			`{"r":1,"old":{"k":[1,2]},"f":false,"num":5,"fls":false,"nul":null,"s":"one","l":[true],"o":{"k":1},"n2":3}`),
			map[string]string{"Content-Type": "application/json", "X-V": "V"})
		saw := sawFull(t, r)
		want := `{"added":"a","f":false,"fls":"added","l":[true,"x"],"n2":["z"],"new":{"k":[1,2]},"nul":"yes","num":"V","o":{"1":"y","k":1},"s":["one","two"]}`
		if saw.Body != want {
			t.Errorf("upstream body\n%s\nwant\n%s", saw.Body, want)
		}
		if got := saw.header("Content-Length"); got != strconv.Itoa(len(want)) {
			t.Errorf("upstream Content-Length %s, want %d", got, len(want))
		}
	})
	t.Run("empty json body gets the added fields", func(t *testing.T) {
		r := do(t, "POST", p.proxy+"/b", nil, map[string]string{"Content-Type": "application/json"})
		if saw := sawFull(t, r); saw.Body != `{"added":"a","fls":"added","l":["x"],"n2":["z"],"num":"no","o":["y"],"s":["two"]}` {
			t.Errorf("upstream body %s", saw.Body)
		}
	})
	t.Run("form body", func(t *testing.T) {
		r := do(t, "POST", p.proxy+"/b", strings.NewReader("r=1&old=o&num=5&s=one&flag&sp=a+b"),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-V": "V"})
		if saw := sawFull(t, r); saw.Body != "added=a&flag&fls=added&l=x&n2=z&new=o&num=V&o=y&s=one&s=two&sp=a%20b" {
			t.Errorf("upstream body %q", saw.Body)
		}
	})
	t.Run("multipart body", func(t *testing.T) {
		part := func(name, value string) string {
			return "--B0UND\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n"
		}
		in := part("r", "1") + part("old", "o") + part("num", "5") +
			"--B0UND\r\nContent-Disposition: form-data; name=\"keep\"; filename=\"k.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\n" + "--B0UND--\r\n"
		r := do(t, "POST", p.proxy+"/b", strings.NewReader(in),
			map[string]string{"Content-Type": "multipart/form-data; boundary=B0UND", "X-V": "V"})
		want := "--B0UND\r\nContent-Disposition: form-data; name=\"keep\"; filename=\"k.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\n" +
			part("new", "o") + part("num", "V") + part("added", "a") + part("fls", "added") + "--B0UND--\r\n"
		if saw := sawFull(t, r); saw.Body != want {
			t.Errorf("upstream body\n%q\nwant\n%q", saw.Body, want)
		}
	})
	t.Run("uri from captures", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/users/7", nil, nil)
		expectStatus(t, "uri", r, 200)
		if got := sawFull(t, r).URL; got != "/v2/user/7/7?from=anon" {
			t.Errorf("upstream URL %q", got)
		}
		r = do(t, "GET", p.proxy+"/users/8?x=1", nil, map[string]string{"X-Who": "me"})
		if got := sawFull(t, r).URL; got != "/v2/user/8/8?from=me&x=1" {
			t.Errorf("upstream URL %q", got)
		}
	})
	t.Run("http_method moves a form into the query", func(t *testing.T) {
		r := do(t, "POST", p.proxy+"/m?a=0", strings.NewReader("a=1&b=2"),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		saw := sawFull(t, r)
		if saw.Method != "GET" || saw.Query != "a=0&a=1&b=2" {
			t.Errorf("upstream %s ?%s", saw.Method, saw.Query)
		}
		r = do(t, "POST", p.proxy+"/m?a=0", strings.NewReader(`{"a":1}`), map[string]string{"Content-Type": "application/json"})
		if saw := sawFull(t, r); saw.Method != "GET" || saw.Query != "a=0" || saw.Body != `{"a":1}` {
			t.Errorf("upstream %s ?%s %s", saw.Method, saw.Query, saw.Body)
		}
	})
}
