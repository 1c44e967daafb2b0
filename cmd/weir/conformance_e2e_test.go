package main_test

// The wasm host's conformance suite: a plugin from every language in testdata/ (Go with
// weir's SDK, C, Rust, AssemblyScript, WAT) is uploaded through the Admin API, enabled
// on a route of its own, and driven through the real proxy path; each case asserts what
// the client and the upstream saw. testdata/README.md says which ABI area each fixture
// covers; scripts/build-testdata.sh rebuilds them.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// conformanceModule is one fixture, enabled on the route /<route> with config.
type conformanceModule struct {
	name, file, route, config string
}

var conformanceModules = []conformanceModule{
	{"go-identity", "go/identity/identity.wasm", "go", `{"header":"x-user"}`},
	{"c-bodies", "c/bodies/bodies.wasm", "c", `{}`},
	{"rust-callout", "rust/callout/callout.wasm", "rust", `{"upstream":"echo"}`},
	{"as-counters", "assemblyscript/counters/counters.wasm", "as", `{}`},
	{"wat-conformance", "wat/conformance.wasm", "wat", `{}`},
	{"wat-abi010", "wat/abi010.wasm", "wat-abi010", `{"marker":"0.1.0"}`},
	{"wat-local-response", "wat/local_response.wasm", "wat-local", `{}`},
}

// conformanceCase is one behaviour of one language: a request, and what must hold.
type conformanceCase struct {
	lang, behaviour string
	method, path    string
	header          map[string]string
	body            string
	check           func(t *testing.T, proxy string, r *response)
}

func TestConformance(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	expectStatus(t, "service", form(t, admin+"/services", "name=echo", "url=http://"+echoAddr+"/"), 201)
	expectStatus(t, "consumer", form(t, admin+"/consumers", "username=alice"), 201)
	cred := form(t, admin+"/consumers/alice/key-auth", "key=alice-key")
	expectStatus(t, "key-auth credential", cred, 201)
	credID, _ := cred.json(t)["id"].(string)
	for _, m := range conformanceModules {
		expectStatus(t, "upload "+m.name, uploadModule(t, admin, m.name, filepath.Join(repoRoot(t), "testdata", m.file)), 201)
		expectStatus(t, "route "+m.route, form(t, admin+"/services/echo/routes", "paths[]=/"+m.route, "name="+m.route), 201)
		body := fmt.Sprintf(`{"name":%q,"config":%s}`, m.name, m.config)
		expectStatus(t, "plugin "+m.name, postJSON(t, admin+"/routes/"+m.route+"/plugins", body), 201)
	}
	// The same Rust module with two more configs: a call to host:port, and a call to
	// an address where nothing listens.
	for route, upstream := range map[string]string{"rust-hostport": echoAddr, "rust-fail": "127.0.0.1:1"} {
		expectStatus(t, "route "+route, form(t, admin+"/services/echo/routes", "paths[]=/"+route, "name="+route), 201)
		expectStatus(t, "plugin "+route, postJSON(t, admin+"/routes/"+route+"/plugins",
			fmt.Sprintf(`{"name":"rust-callout","config":{"upstream":%q}}`, upstream)), 201)
	}

	for _, tc := range conformanceCases(credID) {
		t.Run(tc.lang+"/"+tc.behaviour, func(t *testing.T) {
			r := do(t, tc.method, proxy+tc.path, strings.NewReader(tc.body), tc.header)
			tc.check(t, proxy, r)
		})
	}

	t.Run("as/metrics on the Admin API", func(t *testing.T) {
		r := do(t, "GET", admin+"/metrics", nil, nil)
		expectStatus(t, "/metrics", r, 200)
		metrics := string(r.body)
		if got := sample(metrics, `weir_wasm_as_requests{plugin="as-counters"}`); got < 3 {
			t.Errorf("as_requests = %v, want at least the 3 requests sent", got)
		}
		if got := sample(metrics, `weir_wasm_as_last_path_len{plugin="as-counters"}`); got != float64(len("/as/three")) {
			t.Errorf("as_last_path_len = %v, want %d", got, len("/as/three"))
		}
		if got := sample(metrics, `weir_wasm_as_path_len_count{plugin="as-counters"}`); got < 3 {
			t.Errorf("as_path_len_count = %v, want at least 3", got)
		}
	})

	t.Run("logs carry plugin names and levels", func(t *testing.T) {
		logs := n.logs.String()
		for _, want := range [][]string{
			{"level=INFO", `msg="identity: authenticated alice"`, "plugin=go-identity"},
			{"level=WARN", `msg="c plugin: denied"`, "plugin=c-bodies"},
			{`c plugin: denied, said on stderr`, "plugin=c-bodies"},
			{"level=INFO", `msg="c plugin: log phase"`, "plugin=c-bodies"},
			{"level=INFO", `msg="callout: calling echo"`, "plugin=rust-callout"},
			{"level=INFO", `msg="counters: configured"`, "plugin=as-counters"},
			{"level=INFO", `marker`, "plugin=wat-abi010"},
		} {
			if !logLine(logs, want...) {
				t.Errorf("no log line has all of %q", want)
			}
		}
	})
}

func conformanceCases(credID string) []conformanceCase {
	return []conformanceCase{
		{"go", "properties and headers", "GET", "/go/x", nil, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "go", r, 200)
			saw := upstreamSaw(t, r)
			wantHeaders(t, "upstream", saw.header(), map[string]string{"X-Go-Route": "go", "X-Go-Path": "/go/x"})
			wantHeaders(t, "client", r.header, map[string]string{
				"X-Go-Plugin": "go-identity", "X-Go-Status": "200", "X-Go-Seen": "yes", "X-Go-Consumer": "",
			})
			if src := saw.Headers["X-Go-Source"]; !strings.HasPrefix(src, "127.0.0.1:") {
				t.Errorf("upstream saw x-go-source %q, want the client's 127.0.0.1:port", src)
			}
		}},
		{"go", "foreign functions authenticate a consumer", "GET", "/go", map[string]string{"x-user": "alice"}, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "go", r, 200)
			if got := upstreamSaw(t, r).Headers["X-Consumer-Username"]; got != "alice" {
				t.Errorf("upstream saw X-Consumer-Username %q, want alice", got)
			}
			wantHeaders(t, "client", r.header, map[string]string{"X-Go-Consumer": "alice"})
		}},
		{"go", "weir.find_credential finds a key-auth credential", "GET", "/go", map[string]string{"x-key": "alice-key"}, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "go", r, 200)
			saw := upstreamSaw(t, r)
			if saw.Headers["X-Consumer-Username"] != "alice" || saw.Headers["X-Credential-Identifier"] != credID || credID == "" {
				t.Errorf("upstream saw consumer %q, credential %q; want alice, %s",
					saw.Headers["X-Consumer-Username"], saw.Headers["X-Credential-Identifier"], credID)
			}
		}},
		{"go", "an unknown key gets 401", "GET", "/go", map[string]string{"x-key": "nope"}, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "go", r, 401)
		}},
		{"go", "an unknown consumer gets a local 403", "GET", "/go", map[string]string{"x-user": "mallory"}, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "go", r, 403)
			if m := r.json(t); m["message"] != "unknown consumer mallory" {
				t.Errorf("403 body = %s", r.body)
			}
		}},
		{"c", "request body get, replace, prepend, append", "POST", "/c", map[string]string{"Content-Type": "text/plain"}, "hello", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "c", r, 200)
			saw := unwrapC(t, r)
			if saw.Body != "<HELLO>" {
				t.Errorf("upstream saw body %q, want <HELLO>", saw.Body)
			}
			if lvl := saw.Headers["X-C-Log-Level"]; len(lvl) != 1 || lvl < "0" || lvl > "5" {
				t.Errorf("upstream saw x-c-log-level %q, want the host's level 0-5", lvl)
			}
		}},
		{"c", "a GET has no body to change", "GET", "/c", nil, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "c", r, 200)
			if saw := unwrapC(t, r); saw.Body != "" || saw.Method != "GET" {
				t.Errorf("upstream saw %s with body %q, want a GET without body", saw.Method, saw.Body)
			}
		}},
		{"c", "local response", "GET", "/c", map[string]string{"x-deny": "1"}, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "c", r, 418)
			if string(r.body) != "denied by c" {
				t.Errorf("body = %q, want denied by c", r.body)
			}
			wantHeaders(t, "client", r.header, map[string]string{"X-C": "denied"})
		}},
		{"rust", "http call to a service, pause, continue", "GET", "/rust", nil, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "rust", r, 200)
			saw := upstreamSaw(t, r)
			if saw.Headers["X-Rust-Call-Status"] != "200" || saw.Headers["X-Rust-Call-Saw"] != "/callout" {
				t.Errorf("upstream saw call status %q, call url %q; want 200, /callout",
					saw.Headers["X-Rust-Call-Status"], saw.Headers["X-Rust-Call-Saw"])
			}
		}},
		{"rust", "http call to host:port", "GET", "/rust-hostport", nil, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "rust", r, 200)
			if got := upstreamSaw(t, r).Headers["X-Rust-Call-Status"]; got != "200" {
				t.Errorf("upstream saw call status %q, want 200", got)
			}
		}},
		{"rust", "a failed call is answered with no headers and status 11", "GET", "/rust-fail", nil, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "rust", r, 200)
			if got := upstreamSaw(t, r).Headers["X-Rust-Call-Status"]; got != "failed 11" {
				t.Errorf("upstream saw call status %q, want failed 11 (proxy_get_status)", got)
			}
		}},
		{"rust", "shared data compare-and-swap counts every request", "GET", "/rust", nil, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "rust", r, 200)
			hits, _ := strconv.Atoi(r.header.Get("X-Rust-Hits"))
			// the other routes share the module's VM id, so their requests count too
			if hits < 4 {
				t.Errorf("x-rust-hits = %q, want at least 4 after four requests", r.header.Get("X-Rust-Hits"))
			}
		}},
		{"as", "ticks, a shared queue, response PAUSE resumed from a tick", "GET", "/as/one", nil, "", func(t *testing.T, proxy string, r *response) {
			expectStatus(t, "as", r, 200)
			expectStatus(t, "as", do(t, "GET", proxy+"/as/two", nil, nil), 200)
			// A tick, and the queue's notification of an enqueue, come after the request
			// that started them, so a later request sees their effect.
			deadline := time.Now().Add(5 * time.Second)
			for {
				r = do(t, "GET", proxy+"/as/three", nil, nil)
				expectStatus(t, "as", r, 200)
				if got := r.header.Get("X-As-Resumed"); got != "tick" {
					t.Fatalf("x-as-resumed = %q: the response was not paused and resumed by a tick", got)
				}
				ticks, _ := strconv.Atoi(r.header.Get("X-As-Ticks"))
				if ticks > 0 && r.header.Get("X-As-Last") == "/as/three" {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("after 5 s the client saw x-as-ticks %q, x-as-last %q; want > 0 and /as/three",
						r.header.Get("X-As-Ticks"), r.header.Get("X-As-Last"))
				}
				time.Sleep(20 * time.Millisecond)
			}
		}},
		{"wat", "_start, header pairs, replace, remove, size", "GET", "/wat", map[string]string{"x-wat-replace": "old", "x-wat-remove": "1"}, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "wat", r, 200)
			saw := upstreamSaw(t, r)
			wantHeaders(t, "upstream", saw.header(), map[string]string{"X-Wat-Replace": "new", "X-Wat-Remove": "", "X-Wat-Started": "1"})
			wantHeaders(t, "client", r.header, map[string]string{"X-Wat": "0.2.0"})
		}},
		{"wat", "0.1.0 marker, malloc, proxy_get_configuration", "GET", "/wat-abi010", nil, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "wat", r, 200)
			upstreamSaw(t, r)
		}},
		{"wat", "local response deferred to the end of the callback", "GET", "/wat-local", nil, "", func(t *testing.T, _ string, r *response) {
			expectStatus(t, "wat", r, 403)
			if string(r.body) != "no" {
				t.Errorf("body = %q, want no", r.body)
			}
			wantHeaders(t, "client", r.header, map[string]string{"X-Why": "test"})
		}},
	}
}

// wantHeaders checks header values; "" means absent.
func wantHeaders(t *testing.T, who string, got http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g := got.Get(k); g != v {
			t.Errorf("%s saw %s = %q, want %q", who, k, g, v)
		}
	}
}

// header gives the headers the echo upstream saw as an http.Header.
func (e echoed) header() http.Header {
	h := make(http.Header, len(e.Headers))
	for k, v := range e.Headers {
		h.Set(k, v)
	}
	return h
}

// unwrapC reads the echo reply the C fixture wrapped as {"c_wrapped": ...}.
func unwrapC(t *testing.T, r *response) echoedBody {
	t.Helper()
	var w struct {
		Wrapped *echoedBody `json:"c_wrapped"`
	}
	if err := json.Unmarshal(r.body, &w); err != nil || w.Wrapped == nil {
		t.Fatalf("response body is not the echo reply wrapped by the C plugin: %v\n%s", err, r.body)
	}
	return *w.Wrapped
}

// echoedBody is the echo upstream's reply with the method and body.
type echoedBody struct {
	Method  string            `json:"method"`
	Body    string            `json:"body"`
	Headers map[string]string `json:"headers"`
}

// logLine says whether one line of logs contains every part.
func logLine(logs string, parts ...string) bool {
	for _, line := range strings.Split(logs, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}
