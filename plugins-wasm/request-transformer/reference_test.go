package requesttransformer_test

// request-transformer is written in Rust (plugin.rs); this test holds it to its Go
// implementation, kept in reference/, through a real gateway: the reference is built
// and uploaded as another plugin, and the same request goes through a route with each,
// configured alike. The answers, and what reaches the upstream (method, path and query,
// headers, body), must be the same byte for byte.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/weir-gateway/weir/host/plugintest"
	"github.com/weir-gateway/weir/plugins-wasm/meta"
)

// slots are the configuration's places a fuzzed entry goes to; a line of the fuzzed
// configuration is one entry, its first byte choosing the slot ('A' the first).
var slots = []string{"http_method", "replace.uri",
	"remove.headers", "rename.headers", "replace.headers", "add.headers", "append.headers",
	"remove.querystring", "rename.querystring", "replace.querystring", "add.querystring", "append.querystring",
	"remove.body", "rename.body", "replace.body", "add.body", "append.body"}

// methods are what http_method and the request's method are chosen from.
var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"}

// contentTypes are the bodies' types a fuzz input picks from ("" sends none).
var contentTypes = []string{"", "application/json", "application/x-www-form-urlencoded",
	"multipart/form-data; boundary=B0UND", `multipart/form-data; boundary="q b"`, "text/plain",
	"Application/JSON; charset=utf-8", "APPLICATION/X-WWW-FORM-URLENCODED"}

// entry is one configured entry, for writing seeds.
type entry struct{ slot, value string }

// encodeConfig writes entries as the fuzzed configuration holds them.
func encodeConfig(entries ...entry) string {
	var b strings.Builder
	for i, e := range entries {
		n := -1
		for j, s := range slots {
			if s == e.slot {
				n = j
			}
		}
		if n < 0 {
			panic("no slot " + e.slot)
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteByte('A' + byte(n))
		b.WriteString(e.value)
	}
	return b.String()
}

// decodeConfig reads a fuzzed configuration into the plugin's config, every list
// present (a PATCH merges a config into the last one); ok is false for text the Admin
// API cannot carry as it is.
func decodeConfig(raw string) (cfg map[string]any, ok bool) {
	if !utf8.ValidString(raw) {
		return nil, false
	}
	cfg = map[string]any{"http_method": nil}
	for _, op := range []string{"remove", "rename", "replace", "add", "append"} {
		m := map[string]any{"body": []string{}, "headers": []string{}, "querystring": []string{}}
		if op == "replace" {
			m["uri"] = nil
		}
		cfg[op] = m
	}
	if raw == "" {
		return cfg, true
	}
	for _, line := range strings.Split(raw, "\n") {
		if line == "" {
			continue
		}
		slot, value := slots[int(line[0]-'A')%len(slots)], line[1:]
		switch slot {
		case "http_method":
			if value != "" {
				m := methods[int(value[0])%len(methods)]
				for _, name := range methods {
					if value == name {
						m = name
					}
				}
				cfg["http_method"] = m
			}
		case "replace.uri":
			cfg["replace"].(map[string]any)["uri"] = value
		default:
			op, place, _ := strings.Cut(slot, ".")
			m := cfg[op].(map[string]any)
			m[place] = append(m[place].([]string), value)
		}
	}
	return cfg, true
}

// seen is a request as the upstream received it.
type seen struct {
	Method, URI, Host string
	Header            http.Header
	ContentLength     int64
	TransferEncoding  []string
	Body              []byte
}

// recorder is the upstream: it keeps the last request it received.
type recorder struct {
	mu   sync.Mutex
	last *seen
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.last = &seen{Method: r.Method, URI: r.RequestURI, Host: r.Host, Header: r.Header.Clone(),
		ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Body: body}
	rec.mu.Unlock()
	_, _ = w.Write([]byte("upstream"))
}

func (rec *recorder) take() *seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	s := rec.last
	rec.last = nil
	return s
}

// outcome is one side's result: the gateway's answer and what the upstream saw.
type outcome struct {
	Status   int
	Body     string
	Upstream *seen
}

// volatile are upstream headers that differ between the two routes' requests by
// design: the routing header, the request id, and the source port identity reports.
var volatile = []string{"X-Rqt-Impl", "X-Kong-Request-Id", "X-Go-Source"}

var requestID = regexp.MustCompile(`"request_id":"[^"]*"`)

// request is one fuzzed request.
type request struct {
	method, target, headers string
	contentType             string
	body                    []byte
}

// raw writes the request as a client sends it, routed by X-Rqt-Impl.
func (r request) raw(impl string) ([]byte, bool) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s /%s HTTP/1.1\r\nHost: example.test\r\nX-Rqt-Impl: %s\r\nConnection: close\r\n", r.method, r.target, impl)
	if r.contentType != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", r.contentType)
	}
	if r.headers != "" {
		for _, line := range strings.Split(r.headers, "\n") {
			name, value, found := strings.Cut(line, ":")
			if !found || !token(name) || reserved(name) {
				continue
			}
			for i := 0; i < len(value); i++ {
				if c := value[i]; c < ' ' && c != '\t' || c == 0x7f {
					return nil, false
				}
			}
			fmt.Fprintf(&b, "%s:%s\r\n", name, value)
		}
	}
	if len(r.body) > 0 {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.body))
	}
	b.WriteString("\r\n")
	b.Write(r.body)
	return b.Bytes(), true
}

// token says whether s is a header name.
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// reserved are headers the test sets itself, or that change the framing or the other
// plugins' behaviour rather than the transformer's.
func reserved(name string) bool {
	switch strings.ToLower(name) {
	case "host", "content-length", "transfer-encoding", "connection", "x-rqt-impl", "te", "trailer", "upgrade",
		"expect", "keep-alive", "x-key", "x-identity-unused":
		return true
	}
	return false
}

// send sends raw (a method request) to the proxy on a connection of its own and reads
// the answer.
func send(proxy, method string, raw []byte) (int, string, error) {
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(proxy, "http://"), 5*time.Second)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := conn.Write(raw); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// referenceWasm builds reference/ as a weir plugin, with request-transformer's schema
// (named name) as its weir.plugin section. The build is kept in the temporary
// directory under a hash of everything it is made of, so it runs again only after a
// change.
func referenceWasm(t testing.TB, name string) []byte {
	t.Helper()
	h := sha256.New()
	fmt.Fprintln(h, runtime.Version(), name)
	for _, dir := range []string{"reference", "schema.json", "../internal/kongjson", "../../sdk/weir", "../../sdk/proxywasm",
		"../../sdk/internal", "../../go.mod", "../../go.sum", "../../sdk/go.mod", "../../sdk/go.sum"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			fmt.Fprintf(h, "%s %d\n", path, len(b))
			h.Write(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cached := filepath.Join(os.TempDir(), "weir-request-transformer-reference-"+hex.EncodeToString(h.Sum(nil))[:16]+".wasm")
	if b, err := os.ReadFile(cached); err == nil {
		return b
	}
	tmp, err := os.CreateTemp(filepath.Dir(cached), "weir-request-transformer-reference-*.wasm")
	if err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", tmp.Name(), "./reference")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the reference: %v\n%s", err, out)
	}
	wasm, err := os.ReadFile(tmp.Name())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(doc, &schema); err != nil {
		t.Fatal(err)
	}
	schema["name"] = name
	if doc, err = json.Marshal(schema); err != nil {
		t.Fatal(err)
	}
	if wasm, err = meta.Append(wasm, doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp.Name(), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), cached); err != nil {
		t.Fatal(err)
	}
	return wasm
}

// identityWasm is the Go conformance fixture that, run before the transformer, puts
// weir.ctx.go_seen ("yes") where $(shared.go_seen) reads it.
func identityWasm(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/go/identity/identity.wasm")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// side is one route of the gateway: the transformer it runs and its plugin's id.
type side struct {
	impl, plugin, id string
}

// setup starts a gateway with two routes alike (a regex path with captures, to the
// recorder), told apart by X-Rqt-Impl: one runs the built-in, the other the reference.
func setup(f *testing.F) (*plugintest.Gateway, *recorder, []side) {
	rec := &recorder{}
	upstream := httptest.NewServer(rec)
	f.Cleanup(upstream.Close)
	gw := plugintest.Start(f, plugintest.Options{UpstreamURL: upstream.URL})
	const ref = "rqt-reference"
	if err := gw.Upload(ref, referenceWasm(f, ref), 801); err != nil {
		f.Fatal(err)
	}
	if err := gw.Upload("identity", identityWasm(f), 2000); err != nil {
		f.Fatal(err)
	}
	if err := gw.Admin("DELETE", "/routes/"+plugintest.Route, nil, nil); err != nil {
		f.Fatal(err)
	}
	sides := []side{{impl: "rust", plugin: "request-transformer"}, {impl: "go", plugin: ref}}
	for i, s := range sides {
		var route struct{ ID string }
		body := map[string]any{"paths": []string{`~/(?<seg>[^/]*)(?<rest>.*)`}, "strip_path": false,
			"headers": map[string]any{"x-rqt-impl": []string{s.impl}}}
		if err := gw.Admin("POST", "/services/"+plugintest.Service+"/routes", body, &route); err != nil {
			f.Fatal(err)
		}
		plugins := "/routes/" + route.ID + "/plugins"
		if err := gw.Admin("POST", plugins, map[string]any{"name": "identity", "config": map[string]any{"header": "x-identity-unused"}}, nil); err != nil {
			f.Fatal(err)
		}
		cfg, _ := decodeConfig("")
		var created struct{ ID string }
		if err := gw.Admin("POST", plugins, map[string]any{"name": s.plugin, "config": cfg}, &created); err != nil {
			f.Fatal(err)
		}
		sides[i].id = created.ID
	}
	return gw, rec, sides
}

// seeds are the Go implementation's unit tests' and end-to-end test's cases.
func seeds() []struct {
	cfg string
	r   request
} {
	type seed = struct {
		cfg string
		r   request
	}
	var out []seed
	add := func(r request, entries ...entry) { out = append(out, seed{encodeConfig(entries...), r}) }
	ctJSON, form, multi := contentTypes[1], contentTypes[2], contentTypes[3]
	part := func(name, value string) string {
		return "--B0UND\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n"
	}
	// header entries without a value, which change nothing
	add(request{method: "GET", target: "e", headers: "X-A: 1"}, entry{"replace.headers", "x-a:"}, entry{"add.headers", "x-e:"},
		entry{"append.headers", "x-a::"}, entry{"replace.headers", "host:"}, entry{"add.headers", "x-e:2"})
	// the end-to-end test's routes
	add(request{method: "GET", target: "h?q=qv", headers: "X-Remove: 1\nX-Gone-Then-Added: old\nX-Old: o\nX-Rep: r\nX-Src: s\nX-Keep: k"},
		entry{"remove.headers", "x-remove"}, entry{"remove.headers", "x-gone-then-added"}, entry{"rename.headers", "x-old:x-new"},
		entry{"replace.headers", `x-rep:replaced-$(headers["x-src"])`}, entry{"replace.headers", "x-absent:nope"},
		entry{"replace.headers", "host:changed.example"}, entry{"add.headers", "x-gone-then-added:added"},
		entry{"add.headers", "x-keep:no"}, entry{"add.headers", "x-fresh:$(query_params.q)"}, entry{"add.headers", "host:never"},
		entry{"append.headers", "x-keep:second"}, entry{"append.headers", "x-list:$(headers.nothere)!"})
	add(request{method: "GET", target: "q?r=1&old=o&rep=x&src=S&multi=1&multi=2&z"},
		entry{"remove.querystring", "r"}, entry{"rename.querystring", "old:new"}, entry{"replace.querystring", "rep:$(query_params.src)"},
		entry{"replace.querystring", "absent:x"}, entry{"add.querystring", "rep:no"}, entry{"add.querystring", "added:a b"},
		entry{"append.querystring", "multi:3"}, entry{"append.querystring", "fresh:f"})
	bodyOps := []entry{{"remove.body", "r"}, {"rename.body", "old:new"}, {"rename.body", "f:nf"},
		{"replace.body", `num:$(headers["x-v"])`}, {"replace.body", "fls:no"}, {"replace.body", "nul:yes"}, {"replace.body", "absent:no"},
		{"add.body", "added:a"}, {"add.body", "fls:added"}, {"add.body", "num:no"},
		{"append.body", "s:two"}, {"append.body", "l:x"}, {"append.body", "o:y"}, {"append.body", "n2:z"}}
	add(request{method: "POST", target: "b", contentType: ctJSON, headers: "X-V: V",
		body: []byte(`{"r":1,"old":{"k":[1,2]},"f":false,"num":5,"fls":false,"nul":null,"s":"one","l":[true],"o":{"k":1},"n2":3}`)}, bodyOps...)
	add(request{method: "POST", target: "b", contentType: ctJSON}, bodyOps...)
	add(request{method: "POST", target: "b", contentType: form, headers: "X-V: V", body: []byte("r=1&old=o&num=5&s=one&flag&sp=a+b")}, bodyOps...)
	add(request{method: "POST", target: "b", contentType: multi, headers: "X-V: V", body: []byte(part("r", "1") + part("old", "o") + part("num", "5") +
		"--B0UND\r\nContent-Disposition: form-data; name=\"keep\"; filename=\"k.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\n" + "--B0UND--\r\n")}, bodyOps...)
	add(request{method: "GET", target: "users/7"}, entry{"replace.uri", "/v2/user/$(uri_captures.seg)/$(uri_captures[1])$(uri_captures.rest)"},
		entry{"add.querystring", `from:$(headers["x-who"] or 'anon')`})
	add(request{method: "GET", target: "users/8?x=1", headers: "X-Who: me"}, entry{"replace.uri", "/v2/user/$(uri_captures[2])"},
		entry{"add.querystring", `from:$(headers["x-who"] or 'anon')`})
	add(request{method: "POST", target: "m?a=0", contentType: form, body: []byte("a=1&b=2")}, entry{"http_method", "GET"})
	add(request{method: "POST", target: "m?a=0", contentType: form, body: []byte("a=1&a=2&b&c=")}, entry{"http_method", "HEAD"})
	add(request{method: "POST", target: "m?a=0", contentType: ctJSON, body: []byte(`{"a":1}`)}, entry{"http_method", "GET"})
	// args_test.go: the query as Kong's set_query writes it
	add(request{method: "GET", target: "x?a=1&a-b=2&f&l=x&l&s=&a%20b=%C3%A9%2F%26%3D%2B~"}, entry{"remove.querystring", "zz"})
	add(request{method: "GET", target: "x?b=2&a=x+y&a=%2F&flag&e="}, entry{"rename.querystring", "flag:c"}, entry{"append.querystring", "c:v"},
		entry{"append.querystring", "flag:v"})
	// body_test.go: JSON bodies
	for _, b := range []string{`{"r":1,"k":{"n":1.50}}`, ``, `  `, `[1]`, `{"a":false}`} {
		add(request{method: "POST", target: "j", contentType: ctJSON, headers: "x-v: <v&>", body: []byte(b)},
			entry{"remove.body", "r"}, entry{"add.body", `a:$(headers["x-v"])`})
	}
	for _, s := range []struct{ body, remove, rename, replace, add, append string }{
		{`{"r":1,"k":{"n":1.50}}`, "r", "k:m", "k:x", "a:<v&>", "l:1"},
		{` {"a" : [1, 2], "b":false, "c":null, "a":"x"} `, "zz", "a:a", "b:2", "b:é\u2028", "a:y"},
		{``, "r", "a:b", "a:x", "a:\x01", "a:\xff"},
		{`null`, "r", "k:m", "k:x", "a:b", "c:d"},
		{`{"a":"\u+000"}`, "r", "k:m", "k:x", "a:b", "c:d"},
	} {
		add(request{method: "PUT", target: "j", contentType: contentTypes[6], body: []byte(s.body)},
			entry{"remove.body", s.remove}, entry{"rename.body", s.rename}, entry{"replace.body", s.replace},
			entry{"add.body", s.add}, entry{"append.body", s.append})
	}
	// headers_test.go: the header table
	add(request{method: "GET", target: "h", headers: "A: 1\nx-b: 2\na: 3\nc: 4\nX_B: u"},
		entry{"replace.headers", "X-B:5"}, entry{"add.headers", "d:6"}, entry{"remove.headers", "C"}, entry{"remove.headers", "absent"},
		entry{"add.headers", `e:$(headers.X_B)|$(headers.a)|$(headers.host)`}, entry{"replace.headers", "x_b:7"},
		entry{"append.headers", "a:8"}, entry{"rename.headers", "A:Z"})
	// template_test.go: templates
	tmpls := []string{"plain", "$(headers.x)", `$(headers["x-a"])`, `$(headers['X-A'])`, "$(headers.x_under_score)",
		`$(headers["x-multi"])`, "$(query_params.q)-$(query_params.flag)", "$(uri_captures.seg)/$(uri_captures[1])",
		`$(query_params.none or headers["x-a"])`, `$(query_params.none or "dflt")`, "a$(b", `$(headers["x"`, "$(query_params.r)",
		"$(shared.go_seen)$(shared.nothing)", "$(nil or 'n')", "$(headers)", `$( headers [ "x-a" ] or 'y' )`,
		"$(headers. x)", "$(headers\t.x or\t'a')", "$(os.exit())", "$(headers.x.y)", "$(1 + 2)", "$(type(headers))", "$(nothing.k)", "$(nil.x)"}
	for _, tmpl := range tmpls {
		add(request{method: "GET", target: "t?q=v&flag&r=1&r=2", headers: "x-a: 1\nx-multi: a\nx-multi: b\nx-under-score: u"},
			entry{"add.headers", "x-out:" + tmpl}, entry{"add.querystring", "out:" + tmpl}, entry{"replace.uri", "/t/" + tmpl})
	}
	// Go's strings functions on text outside ASCII: U+0130 and the Kelvin sign lower to
	// ASCII letters, the long s folds to 's', Unicode spaces trim; bytes that are not
	// UTF-8 reach JSON as \ufffd, one per byte
	add(request{method: "POST", target: "u", headers: "x-id: 1\nk: 2\nContent-Type: APPL\xc4\xb0CATION/JSON\nx-bin: \xff\xe2\x80(\xc3",
		body: []byte("{\"\xff\xe2\x80\":1,\"a\u00e9\":\"\u2028\",\"a\":1,\"a\":2,\"\xe2\x80(\\ud800\":3}")},
		entry{"add.body", "id:$(headers[\"X-\u0130D\"])$(headers['\u212a'])"}, entry{"append.body", "bin:$(headers.x_bin)"},
		entry{"add.querystring", "bin:$(headers.x_bin)"}, entry{"append.headers", "x-bin:$(query_params.q)"})
	add(request{method: "POST", target: "u?q=%ff%e2%80", contentType: multi, body: []byte("--B0UND\r\n Content-Di\u017fpo\u017fition\u00a0: form-data ; NAME=\"\"a\"\"\r\n\r\nv\r\n" +
		"--B0UND\r\ncontent-disposition:form-data;name=b;name=c\r\nx: y\r\n\r\nw\r\n--B0UND\r\n\r\n\r\nnoname\r\n--B0UND--\r\nepilogue")},
		entry{"rename.body", "a:z"}, entry{"replace.body", "b:$(query_params.q)"}, entry{"add.body", "n:1"}, entry{"remove.body", " "})
	add(request{method: "POST", target: "u", contentType: contentTypes[4], body: []byte("--q b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--q b\r\nno blank line")},
		entry{"add.body", "n:1"})
	add(request{method: "POST", target: "u", headers: "Content-Type: multipart/form-data; \u00a0boundary=x", body: []byte("--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1")},
		entry{"replace.body", "a:2"}, entry{"add.body", "a:3"})
	// repeated headers and arguments, Host, flags and empty names
	add(request{method: "PATCH", target: "r?=x&&a&a=1&b=%zz+&b", headers: "x-r: 1\nX-R: 2\nx-s: 3\nx-h: h.example"},
		entry{"rename.headers", "x-r:x-t"}, entry{"append.headers", "x-t:3"}, entry{"replace.headers", "x-s:$(headers.x_r)$(headers['x-t'])"},
		entry{"rename.headers", "x-h:host"}, entry{"append.headers", "Host:$(headers.host)"}, entry{"rename.querystring", "a:c"},
		entry{"append.querystring", "b:$(query_params.b)"}, entry{"replace.querystring", "b:x"}, entry{"add.headers", "x-q:$(query_params[\"\"])"})
	add(request{method: "DELETE", target: "r?a", headers: "x-a: 1", contentType: form, body: []byte("a&a=1&=2&b=%41%4")},
		entry{"http_method", "TRACE"}, entry{"append.body", "a:2"}, entry{"rename.body", "b:a"}, entry{"add.querystring", "z:$(query_params.a)"})
	add(request{method: "POST", target: "r", headers: "x-a: 1", contentType: form},
		entry{"http_method", "GET"}, entry{"remove.body", "a"}, entry{"add.body", "a:$(headers.x_a)"}, entry{"append.body", "b:c"})
	add(request{method: "GET", target: "s/t?x=1", headers: "x-a: 1"},
		entry{"replace.uri", "/$(uri_captures.rest)$(uri_captures[0])$(uri_captures['seg'])/$(shared.go_seen)"},
		entry{"add.headers", "content-length:5"}, entry{"remove.headers", "x_a"}, entry{"rename.headers", "x_a:x-b"})
	// the query read by a template before the method change moves the form into it;
	// a repeated Content-Type (the first decides)
	add(request{method: "POST", target: "q?a=0", contentType: form, body: []byte("a=1&b=2")},
		entry{"replace.uri", "/$(query_params.a)"}, entry{"http_method", "GET"}, entry{"add.querystring", "c:$(query_params.b)"})
	add(request{method: "PUT", target: "c", headers: "Content-Type: application/json\nContent-Type: text/plain", body: []byte(`{"a":1}`)},
		entry{"add.body", "b:2"}, entry{"rename.headers", "content-type:x-ct"}, entry{"add.headers", "x-n:$(headers['content-type'])"})
	// no template reads the headers table, so the plugin reads only the fields its
	// operations name: repeated ones, a name in two cases, underscores and dashes, and
	// fields between them it leaves alone
	add(request{method: "GET", target: "n?a=1", headers: "x-r: 1\nx-keep: k\nX-R: 2\nx_u: 3\nx-other: o\nx-u: 4\nx-app: a\nX-App: b\nx-d: d"},
		entry{"rename.headers", "x-r:x-t"}, entry{"append.headers", "x-t:3"}, entry{"remove.headers", "x_u"},
		entry{"add.headers", "x-u:9"}, entry{"add.headers", "x_d:9"}, entry{"replace.headers", "X-Keep:v"},
		entry{"append.headers", "x-app:c"},
		entry{"add.querystring", "b:$(query_params.a)"})
	// an entry without a value, which the schema allows for headers and the plugin
	// refuses: every request fails
	add(request{method: "GET", target: "e"}, entry{"add.headers", "x-empty:"})
	// a path that must be escaped, and one that is refused
	add(request{method: "GET", target: "p?x=1", headers: "x-p: a b\"<>^`{|}#?\xc3\xa9"}, entry{"replace.uri", `/p/$(headers["x-p"])`})
	add(request{method: "GET", target: "p"}, entry{"replace.uri", `$(headers["x-none"])`})
	return out
}

// FuzzRequestTransformer sends each input through both routes: a configuration (see
// decodeConfig; one that starts with '~' has generate make the whole input), the
// request's method, target, header lines, content type and body.
func FuzzRequestTransformer(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s.cfg, methodIndex(s.r.method), s.r.target, s.r.headers, ctIndex(s.r.contentType), s.r.body)
	}
	gw, rec, sides := setup(f)
	for i := range 24 {
		f.Add(fmt.Sprintf("~%d", i), uint8(0), "", "", uint8(0), []byte(nil))
	}
	f.Fuzz(func(t *testing.T, cfgText string, method uint8, target, headers string, ct uint8, body []byte) {
		if strings.HasPrefix(cfgText, "~") {
			cfgText, method, target, headers, ct, body = generate(cfgText, method, target, headers, ct, body)
		}
		cfg, ok := decodeConfig(cfgText)
		if !ok {
			t.Skip("an entry JSON cannot carry to the Admin API as it is")
		}
		if lower := strings.ToLower(cfgText + headers); strings.Contains(lower, "rqt") || strings.Contains(lower, "x-go-") ||
			strings.Contains(lower, "x_go_") || strings.Contains(lower, "request-id") || strings.Contains(lower, "request_id") {
			t.Skip("an entry reading what differs between the routes")
		}
		for i := 0; i < len(target); i++ {
			if c := target[i]; c <= ' ' || c >= 0x7f || c == '#' {
				t.Skip("a target a client cannot send as it is")
			}
		}
		r := request{method: methods[int(method)%len(methods)], target: target, headers: headers,
			contentType: contentTypes[int(ct)%len(contentTypes)], body: body}
		for _, s := range sides {
			if err := gw.Admin("PATCH", "/plugins/"+s.id, map[string]any{"config": cfg}, nil); err != nil {
				if s.impl == "rust" {
					t.Skipf("a config the Admin API refuses: %v", err)
				}
				t.Fatalf("the reference's config was refused where the built-in's was not: %v", err)
			}
		}
		var got [2]outcome
		for i, s := range sides {
			raw, ok := r.raw(s.impl)
			if !ok {
				t.Skip("a header value a client cannot send")
			}
			status, answer, err := send(gw.ProxyURL, r.method, raw)
			if err != nil {
				t.Fatalf("%s: %v", s.impl, err)
			}
			got[i] = outcome{Status: status, Body: requestID.ReplaceAllString(answer, `"request_id":""`), Upstream: rec.take()}
			if u := got[i].Upstream; u != nil {
				for _, h := range volatile {
					delete(u.Header, h)
				}
			}
		}
		if !reflect.DeepEqual(got[0], got[1]) {
			c, _ := json.Marshal(cfg)
			t.Fatalf("config %s\nrequest %q\nbuilt-in:  %s\nreference: %s", c, r.describe(), describe(got[0]), describe(got[1]))
		}
	})
}

// generate makes a structured input from a fuzzed one (its bytes seed a generator):
// configurations and requests drawn from small pools of names, values, templates and
// bodies, so that what the configuration names is often in the request, which blind
// mutations seldom achieve.
func generate(seed string, m uint8, target, headers string, ct uint8, body []byte) (string, uint8, string, string, uint8, []byte) {
	h := sha256.Sum256(fmt.Appendf(nil, "%q %d %q %q %d %q", seed, m, target, headers, ct, body))
	rnd := rand.New(rand.NewPCG(binary.BigEndian.Uint64(h[:8]), binary.BigEndian.Uint64(h[8:16])))
	pick := func(list ...string) string { return list[rnd.IntN(len(list))] }
	headerNames := []string{"x-a", "X-A", "x_a", "x-b", "x-multi", "content-type", "Host", "x-c"}
	argNames := []string{"a", "b", "a b", "\u00e9", "x-a", "flag", "c", "1"}
	values := []string{"1", "v", "a b", "<&>", "\u00e9", "\u2028", "x,y", "", "$(headers.x_a)", `$(headers["x-b"])`,
		"$(headers['x-multi'])", "$(query_params.a)", `$(query_params["a b"])`, "$(query_params.flag)", "$(uri_captures.seg)",
		"$(uri_captures[2])", "$(shared.go_seen)", "$(headers.x or 'd')", "$(nil)", "pre-$(query_params.b)-post",
		"$(headers.host)", "$(headers.content_type)", "$(query_params.c or headers.x_c or \"z\")"}
	var entries []entry
	for range rnd.IntN(7) {
		slot := slots[2+rnd.IntN(len(slots)-2)]
		names := argNames
		if strings.HasSuffix(slot, "headers") {
			names = headerNames
		}
		e := pick(names...)
		switch {
		case strings.HasPrefix(slot, "rename"):
			e += ":" + pick(names...)
		case !strings.HasPrefix(slot, "remove"):
			e += ":" + pick(values...)
		}
		entries = append(entries, entry{slot, e})
	}
	if rnd.IntN(4) == 0 {
		entries = append(entries, entry{"http_method", pick(methods...)})
	}
	if rnd.IntN(5) == 0 {
		entries = append(entries, entry{"replace.uri", pick("/", "/p/", "x", "") + pick(values...)})
	}
	var q []string
	for range rnd.IntN(4) {
		q = append(q, pick("a=1", "a=2", "b", "a%20b=x", "flag", "%C3%A9=%C3%A9", "=x", "%zz=1", "c=%2F", "b="))
	}
	target = pick("s", "seg/rest", "", "a/b/c") + "?" + strings.Join(q, "&")
	var hs []string
	for range rnd.IntN(5) {
		name := pick(headerNames...)
		if name == "Host" || name == "content-type" && rnd.IntN(3) > 0 {
			continue
		}
		hs = append(hs, strings.ReplaceAll(name, "_", "-")+": "+pick("1", "v", "a b", "\xff\xfe", "<&>", "x,y", ""))
	}
	ct = uint8(rnd.IntN(len(contentTypes)))
	switch ct {
	case 1, 6:
		var fields []string
		for range rnd.IntN(4) {
			fields = append(fields, fmt.Sprintf("%q:%s", pick(argNames...), pick(`"s"`, "1", "false", "null", `[1,"x"]`, `{"k":1}`, `"\u00e9"`, `[]`)))
		}
		body = []byte(pick("{", " { ") + strings.Join(fields, ",") + pick("}", "} ", "}x", ""))
	case 2, 7:
		body = []byte(strings.Join(q, "&") + pick("", "&a=3", "&x=%41", "&;"))
	case 3, 4:
		b := "B0UND"
		if ct == 4 {
			b = "q b"
		}
		var parts []string
		for range rnd.IntN(4) {
			parts = append(parts, "--"+b+"\r\nContent-Disposition: form-data; name=\""+pick(argNames...)+"\"\r\n\r\n"+pick("1", "v", "")+"\r\n")
		}
		body = []byte(strings.Join(parts, "") + pick("--"+b+"--\r\n", "", "--"+b))
	default:
		body = []byte(pick("", "raw", "a=1"))
	}
	return encodeConfig(entries...), uint8(rnd.IntN(len(methods))), target, strings.Join(hs, "\n"), ct, body
}

func (r request) describe() string {
	return fmt.Sprintf("%s /%s %q content-type %q body %q", r.method, r.target, r.headers, r.contentType, r.body)
}

func describe(o outcome) string {
	s := fmt.Sprintf("%d %q", o.Status, o.Body)
	if u := o.Upstream; u != nil {
		s += fmt.Sprintf("\n  upstream %s %q host %q length %d %v\n  headers %q\n  body %q", u.Method, u.URI, u.Host,
			u.ContentLength, u.TransferEncoding, u.Header, u.Body)
	}
	return s
}

func methodIndex(m string) uint8 {
	for i, name := range methods {
		if name == m {
			return uint8(i)
		}
	}
	panic("no method " + m)
}

func ctIndex(ct string) uint8 {
	for i, c := range contentTypes {
		if c == ct {
			return uint8(i)
		}
	}
	panic("no content type " + ct)
}
