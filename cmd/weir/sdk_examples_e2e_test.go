package main_test

// The SDK's examples (sdk/examples, ports of tetratelabs/proxy-wasm-go-sdk's) through
// the real binary: each is uploaded, enabled on its own route, and what its source
// says it does is checked in responses and in the gateway's log. The upstream is a
// small server in this process with the replies the examples expect (/ok, /fail,
// /uuid, a body echoed raw, a canary).

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// exampleUpstream answers as the Envoy setups of the examples do.
func exampleUpstream(t *testing.T) string {
	t.Helper()
	// one handler switching on the path: ServeMux would also match on the Host, which
	// http_routing rewrites
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			io.WriteString(w, "ok")
		case "/fail":
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "fail")
		case "/uuid":
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			fmt.Fprintf(w, `{"uuid": %q}`, hex.EncodeToString(b))
		case "/raw":
			_, _ = io.Copy(w, r.Body)
		case "/routing":
			if strings.HasSuffix(r.Host, "-canary") {
				io.WriteString(w, "canary")
				return
			}
			io.WriteString(w, "primary")
		default:
			_, _ = io.Copy(io.Discard, r.Body)
			io.WriteString(w, "hello "+r.Host+" "+r.URL.RequestURI())
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// exampleEnv is what a case's check needs.
type exampleEnv struct {
	n     *node
	admin string
	proxy string // the proxy's base URL; each example's route is /<route>
}

// waitLog waits up to 10 s for one log line holding every part. Plugin lines are
// slog's quoted msg values, so a part's quotes are looked for escaped.
func (e exampleEnv) waitLog(t *testing.T, parts ...string) {
	t.Helper()
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(p, `"`, `\"`)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if logLine(e.n.logs.String(), parts...) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no log line with %q within 10s:\n%s", parts, e.n.logs)
}

type exampleCase struct {
	name   string // module name, as uploaded
	wasm   string // under sdk/examples
	routes map[string]string
	// routes: route name (also its path) -> the plugin's config on it
	check func(t *testing.T, e exampleEnv)
}

func exampleCases() []exampleCase {
	return []exampleCase{
		{"helloworld", "helloworld/helloworld.wasm", map[string]string{"helloworld": `{}`}, func(t *testing.T, e exampleEnv) {
			expectStatus(t, "request", do(t, "GET", e.proxy+"/helloworld", nil, nil), 200)
			e.waitLog(t, "OnPluginStart from Go!")
			e.waitLog(t, "It's ")
		}},
		{"http-headers", "http_headers/http_headers.wasm", map[string]string{"http-headers": `{"header":"x-wasm-header","value":"demo-wasm"}`}, func(t *testing.T, e exampleEnv) {
			r := do(t, "GET", e.proxy+"/http-headers", nil, map[string]string{"x-client": "hello"})
			expectStatus(t, "request", r, 200)
			if r.header.Get("x-wasm-header") != "demo-wasm" || r.header.Get("x-proxy-wasm-go-sdk-example") != "http_headers" {
				t.Errorf("response headers = %v", r.header)
			}
			e.waitLog(t, "request header --> x-client: hello")
			e.waitLog(t, "response header <-- x-wasm-header: demo-wasm")
		}},
		{"http-body", "http_body/http_body.wasm", map[string]string{"http-body": `{}`}, func(t *testing.T, e exampleEnv) {
			for _, tt := range []struct{ at, op, want string }{
				{"request", "append", "[original body][this is appended body]"},
				{"request", "prepend", "[this is prepended body][original body]"},
				{"request", "replace", "[this is replaced body]"},
				{"response", "append", "[original body][this is appended body]"},
				{"response", "prepend", "[this is prepended body][original body]"},
				{"response", "invalid", "[this is replaced body]"},
			} {
				r := do(t, "PUT", e.proxy+"/http-body/raw", strings.NewReader("[original body]"),
					map[string]string{"buffer-replace-at": tt.at, "buffer-operation": tt.op})
				expectStatus(t, tt.at+" "+tt.op, r, 200)
				if string(r.body) != tt.want {
					t.Errorf("%s %s: body %q, want %q", tt.at, tt.op, r.body, tt.want)
				}
			}
			e.waitLog(t, "original request body: [original body]")
			e.waitLog(t, "original response body: [original body]")
		}},
		{"http-auth-random", "http_auth_random/http_auth_random.wasm", map[string]string{"http-auth-random": `{}`}, func(t *testing.T, e exampleEnv) {
			seen := map[int]bool{}
			for i := 0; i < 40 && !(seen[200] && seen[403]); i++ {
				r := do(t, "GET", e.proxy+"/http-auth-random", nil, nil)
				seen[r.status] = true
				if r.status == 403 && string(r.body) != "access forbidden" {
					t.Fatalf("403 body %q", r.body)
				}
			}
			if !seen[200] || !seen[403] {
				t.Fatalf("statuses seen %v, want both 200 and 403", seen)
			}
			e.waitLog(t, "access granted")
			e.waitLog(t, "access forbidden")
			e.waitLog(t, "response header from httpbin: :status: 200")
		}},
		{"http-routing", "http_routing/http_routing.wasm", map[string]string{"http-routing": `{}`}, func(t *testing.T, e exampleEnv) {
			seen := map[string]bool{}
			for i := 0; i < 40 && len(seen) < 2; i++ {
				// a host name, so that "-canary" appended to it is still one
				req, _ := http.NewRequest("GET", e.proxy+"/http-routing/routing", nil)
				req.Host = "service.example"
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				seen[string(b)] = true
			}
			if !seen["primary"] || !seen["canary"] {
				t.Fatalf("bodies seen %v, want primary and canary", seen)
			}
		}},
		{"json-validation", "json_validation/json_validation.wasm", map[string]string{"json-validation": `{"requiredKeys":["id","token"]}`}, func(t *testing.T, e exampleEnv) {
			expectStatus(t, "GET without body", do(t, "GET", e.proxy+"/json-validation", nil, nil), 403)
			expectStatus(t, "missing key", postJSON(t, e.proxy+"/json-validation", `{"id":"abc123"}`), 403)
			expectStatus(t, "valid", postJSON(t, e.proxy+"/json-validation", `{"id":"abc123","token":"xyz456"}`), 200)
		}},
		{"dispatch-call-on-tick", "dispatch_call_on_tick/dispatch_call_on_tick.wasm", map[string]string{"dispatch-1": `{"name":"plugin1"}`, "dispatch-2": `{"name":"plugin2"}`}, func(t *testing.T, e exampleEnv) {
			expectStatus(t, "plugin1", do(t, "GET", e.proxy+"/dispatch-1", nil, nil), 200)
			expectStatus(t, "plugin2", do(t, "GET", e.proxy+"/dispatch-2", nil, nil), 200)
			for i := 1; i <= 5; i++ {
				e.waitLog(t, fmt.Sprintf("called %d for contextID=", i))
			}
			e.waitLog(t, ":status: 200")
			e.waitLog(t, ":status: 503")
			// two plugin contexts tick: the fifth answer is logged twice
			deadline := time.Now().Add(10 * time.Second)
			for strings.Count(e.n.logs.String(), "called 5 for contextID=") < 2 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if c := strings.Count(e.n.logs.String(), "called 5 for contextID="); c < 2 {
				t.Errorf("%d plugin contexts reached 5 calls, want 2", c)
			}
		}},
		{"foreign-call-on-tick", "foreign_call_on_tick/foreign_call_on_tick.wasm", map[string]string{"foreign-call-on-tick": `{}`}, func(t *testing.T, e exampleEnv) {
			r := do(t, "GET", e.proxy+"/foreign-call-on-tick", nil, map[string]string{"consumer": "nobody"})
			expectStatus(t, "request", r, 200)
			e.waitLog(t, "foreign function (weir.find_consumer) called from a request: result: {\"found\":false}")
			for i := 1; i <= 5; i++ {
				// from a plugin context weir's functions answer NOT_FOUND (docs/foreign-functions.md)
				e.waitLog(t, fmt.Sprintf("foreign function (weir.find_consumer) called: %d,", i), "not found")
			}
		}},
		{"multiple-dispatches", "multiple_dispatches/multiple_dispatches.wasm", map[string]string{"multiple-dispatches": `{}`}, func(t *testing.T, e exampleEnv) {
			expectStatus(t, "request", do(t, "GET", e.proxy+"/multiple-dispatches", nil, nil), 200)
			for i := 9; i >= 1; i-- {
				e.waitLog(t, fmt.Sprintf("pending dispatched requests: %d", i))
			}
			e.waitLog(t, "response resumed after processed 10 dispatched request")
		}},
		{"postpone-requests", "postpone_requests/postpone_requests.wasm", map[string]string{"postpone-requests": `{}`}, func(t *testing.T, e exampleEnv) {
			start := time.Now()
			expectStatus(t, "request", do(t, "GET", e.proxy+"/postpone-requests", nil, nil), 200)
			if time.Since(start) > 5*time.Second {
				t.Errorf("the request took %v: the tick did not resume it", time.Since(start))
			}
			e.waitLog(t, "postpone request with contextID=")
			e.waitLog(t, "resume request with contextID=")
		}},
		{"shared-data", "shared_data/shared_data.wasm", map[string]string{"shared-data": `{}`}, func(t *testing.T, e exampleEnv) {
			for i := 0; i < 10; i++ {
				expectStatus(t, "request", do(t, "GET", e.proxy+"/shared-data", nil, nil), 200)
			}
			e.waitLog(t, "shared value: 10")
		}},
		{"receiver", "shared_queue/receiver/receiver.wasm", map[string]string{"queue-requests": `{"queue":"http_request_headers"}`, "queue-responses": `{"queue":"http_response_headers"}`}, func(t *testing.T, e exampleEnv) {
			// The receiver's plugin contexts register the queues when a request first
			// runs them; the sender (next case) enqueues to them.
			expectStatus(t, "requests queue", do(t, "GET", e.proxy+"/queue-requests", nil, nil), 200)
			expectStatus(t, "responses queue", do(t, "GET", e.proxy+"/queue-responses", nil, nil), 200)
			e.waitLog(t, "queue registered, name: http_request_headers")
			e.waitLog(t, "queue registered, name: http_response_headers")
		}},
		{"sender", "shared_queue/sender/sender.wasm", map[string]string{"sender": `{}`}, func(t *testing.T, e exampleEnv) {
			expectStatus(t, "request", do(t, "GET", e.proxy+"/sender", nil, nil), 200)
			e.waitLog(t, `enqueued data: {"key": ":method","value": "GET"}`)
			e.waitLog(t, `dequeued data from http_request_headers`, `{"key": ":method","value": "GET"}`)
			e.waitLog(t, `dequeued data from http_response_headers`)
		}},
		{"metrics", "metrics/metrics.wasm", map[string]string{"metrics": `{}`}, func(t *testing.T, e exampleEnv) {
			for value, times := range map[string]int{"foo": 3, "bar": 5} {
				for i := 0; i < times; i++ {
					expectStatus(t, "request", do(t, "GET", e.proxy+"/metrics", nil, map[string]string{"my-custom-header": value}), 200)
				}
			}
			m := string(do(t, "GET", e.admin+"/metrics", nil, nil).body)
			for _, want := range []string{
				`weir_wasm_custom_header_value_counts_value_foo_reporter_wasmgosdk{plugin="metrics"} 3`,
				`weir_wasm_custom_header_value_counts_value_bar_reporter_wasmgosdk{plugin="metrics"} 5`,
			} {
				if !strings.Contains(m, want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
		}},
		{"properties", "properties/properties.wasm", map[string]string{"one": `{"routes":{"one":"cookie","two":"authorization"}}`, "two": `{"routes":{"one":"cookie","two":"authorization"}}`, "three": `{"routes":{"one":"cookie","two":"authorization"}}`}, func(t *testing.T, e exampleEnv) {
			expectStatus(t, "/one without cookie", do(t, "GET", e.proxy+"/one", nil, nil), 401)
			expectStatus(t, "/one with cookie", do(t, "GET", e.proxy+"/one", nil, map[string]string{"cookie": "value"}), 200)
			expectStatus(t, "/two without authorization", do(t, "GET", e.proxy+"/two", nil, nil), 401)
			expectStatus(t, "/two with authorization", do(t, "GET", e.proxy+"/two", nil, map[string]string{"authorization": "token"}), 200)
			expectStatus(t, "/three", do(t, "GET", e.proxy+"/three", nil, nil), 200)
			e.waitLog(t, `auth header is "cookie"`)
			e.waitLog(t, `auth header is "authorization"`)
			e.waitLog(t, "no auth header for route")
		}},
		{"vm-plugin-configuration", "vm_plugin_configuration/vm_plugin_configuration.wasm", map[string]string{"vm-plugin-configuration": `{"name":"plugin configuration"}`}, func(t *testing.T, e exampleEnv) {
			expectStatus(t, "request", do(t, "GET", e.proxy+"/vm-plugin-configuration", nil, nil), 200)
			e.waitLog(t, "vm config: none")
			e.waitLog(t, "plugin config: ", "plugin configuration")
		}},
	}
}

func TestSDKExamples(t *testing.T) {
	bin := buildWeir(t)
	up := exampleUpstream(t)
	n := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t),
		extraEnv: []string{"WEIR_LOG_LEVEL=debug"}}
	n.start(t)
	e := exampleEnv{n: n, admin: "http://" + n.admin, proxy: "http://" + n.proxy}
	for _, svc := range []string{"examples", "httpbin", "web_service"} {
		expectStatus(t, "service "+svc, form(t, e.admin+"/services", "name="+svc, "url=http://"+up+"/"), 201)
	}
	examples := filepath.Join(repoRoot(t), "sdk/examples")
	for _, tc := range exampleCases() {
		t.Run(tc.name, func(t *testing.T) {
			expectStatus(t, "upload", uploadModule(t, e.admin, tc.name, filepath.Join(examples, tc.wasm)), 201)
			for route, config := range tc.routes {
				expectStatus(t, "route", form(t, e.admin+"/services/examples/routes", "name="+route, "paths[]=/"+route, "preserve_host=true"), 201)
				expectStatus(t, "plugin", postJSON(t, e.admin+"/routes/"+route+"/plugins",
					fmt.Sprintf(`{"name":%q,"config":%s}`, tc.name, config)), 201)
			}
			tc.check(t, e)
		})
	}
}
