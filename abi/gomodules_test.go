package abi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// goModules builds the Go plugins once per test run with the real toolchain, so the
// tests exercise the SDK and plugins as the gateway will load them.
var goModules struct {
	once sync.Once
	dir  string
	err  error
	out  string
}

// goModule returns a freshly built module: "bundle" (every built-in plugin, each
// served to the root id that names it), "add_header" or "responseheaders" (the SDK's
// test module for Request.SetResponseHeaders).
func goModule(t testing.TB, name string) []byte {
	t.Helper()
	goModules.once.Do(func() {
		goModules.dir, goModules.err = os.MkdirTemp("", "weir-abi-test")
		if goModules.err != nil {
			return
		}
		for _, b := range []struct{ dir, pkg, out string }{
			{"..", "./plugins-wasm/bundle", "bundle.wasm"},
			{"../sdk", "./examples/add_header", "add_header.wasm"},
			{"../sdk", "./weir/testdata/responseheaders", "responseheaders.wasm"},
		} {
			cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", filepath.Join(goModules.dir, b.out), b.pkg)
			cmd.Dir = b.dir
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
			out, err := cmd.CombinedOutput()
			if err != nil {
				goModules.err, goModules.out = err, string(out)
				return
			}
		}
	})
	if goModules.err != nil {
		t.Fatalf("build Go plugins: %v\n%s", goModules.err, goModules.out)
	}
	b, err := os.ReadFile(filepath.Join(goModules.dir, name+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rustBundle is the committed module of the built-ins written in Rust.
func rustBundle(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../plugins-wasm/bundle-rust/bundle-rust.wasm")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMain(m *testing.M) {
	code := m.Run()
	if goModules.dir != "" {
		_ = os.RemoveAll(goModules.dir)
	}
	os.Exit(code)
}

func TestAddHeaderModule(t *testing.T) {
	rt := newRuntime(t, 0)
	ctx := context.Background()
	ev := &events{}
	s := newStream(ev, [2]string{":method", "GET"}, [2]string{":path", "/"})
	inst, h := setup(t, rt, goModule(t, "add_header"), &fakeServices{ev: ev}, `{"header":"X-Added","value":"yes"}`, s)
	if v := inst.mod.ABIVersion(); v != "0.2.1" {
		t.Errorf("ABIVersion = %q, want 0.2.1", v)
	}
	for _, step := range []func(context.Context, bool) (Action, error){h.OnRequestHeaders, h.OnResponseHeaders} {
		if a, err := step(ctx, true); err != nil || a != ActionContinue {
			t.Fatalf("callback = %v, %v; want continue", a, err)
		}
	}
	h.Finish(ctx)
	for _, m := range []MapType{MapRequestHeaders, MapResponseHeaders} {
		if v, _ := s.maps[m].Get("x-added"); v != "yes" {
			t.Errorf("map %d: x-added = %q, want yes", m, v)
		}
	}
	if !inst.Healthy() {
		t.Fatalf("instance unhealthy; events %q", ev.all())
	}
}

// TestSDKSetResponseHeaders: the Go SDK's Request.SetResponseHeaders replaces the
// headers it names on weir, numbers only through weir.set_header_integers (the
// instance then knows the names by their address, a heap string's included), a list
// with a text through weir.set_header_values.
func TestSDKSetResponseHeaders(t *testing.T) {
	rt := newRuntime(t, 0)
	m, err := rt.Compile(context.Background(), goModule(t, "responseheaders"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, config string
		want         [][2]string
		byAddress    bool
	}{
		{"numbers", `{"name":"x-configured"}`,
			[][2]string{{":status", "200"}, {"x-limit", "10"}, {"x-remaining", "-3"}, {"x-configured", "200"}}, true},
		{"with a text", `{"name":"x-configured","text":"hello"}`,
			[][2]string{{":status", "200"}, {"x-limit", "10"}, {"x-remaining", "-3"}, {"x-configured", "200"}, {"x-text", "hello"}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev := &events{}
			s := newStream(ev, [2]string{":method", "GET"}, [2]string{":path", "/"})
			s.maps[MapResponseHeaders].pairs = [][2]string{{":status", "200"}, {"x-remaining", "99"}}
			inst, h := instantiate(t, m, &fakeServices{ev: ev}, tt.config, s)
			ctx := context.Background()
			for range 2 { // the second time, names the host has seen
				if a, err := h.OnResponseHeaders(ctx, false); err != nil || a != ActionContinue {
					t.Fatalf("OnResponseHeaders = %v, %v; events %q", a, err, ev.all())
				}
				var got [][2]string
				for _, p := range s.maps[MapResponseHeaders].pairs {
					got = append(got, [2]string{strings.ToLower(p[0]), p[1]})
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("response headers %q, want %q", got, tt.want)
				}
			}
			h.Finish(ctx)
			var seen []string
			for _, e := range inst.guestNames.entries {
				if e.name != "" {
					seen = append(seen, e.name)
				}
			}
			slices.Sort(seen)
			want := []string{"x-configured", "x-limit", "x-remaining"}
			if !tt.byAddress {
				want = nil
			}
			if !slices.Equal(seen, want) {
				t.Errorf("names known by address %q, want %q", seen, want)
			}
		})
	}
}

// keyAuthHost answers the weir.* foreign functions for one known key.
func keyAuthHost(ev *events) *fakeServices {
	return &fakeServices{ev: ev, foreign: map[string]func([]byte) ([]byte, Status){
		"weir.find_credential": func(args []byte) ([]byte, Status) {
			var a struct {
				Kind, Field, Value string
				Authenticate       bool
			}
			_ = json.Unmarshal(args, &a)
			if a.Kind == "keyauth_credentials" && a.Field == "key" && a.Value == "secret" && a.Authenticate {
				return []byte(`{"found":true}`), StatusOK
			}
			if a.Kind == "keyauth_credentials" && a.Field == "key" && a.Value == "secret" {
				return []byte(`{"found":true,"credential":{"id":"cred-1","key":"secret","consumer":{"id":"alice-id"}},"consumer":{"id":"alice-id","username":"alice","custom_id":null}}`), StatusOK
			}
			return []byte(`{"found":false}`), StatusOK
		},
		"weir.find_consumer": func(args []byte) ([]byte, Status) {
			if strings.Contains(string(args), `"anon"`) {
				return []byte(`{"found":true,"consumer":{"id":"anon-id","username":"anon"}}`), StatusOK
			}
			return []byte(`{"found":false}`), StatusOK
		},
		"weir.authenticate": func([]byte) ([]byte, Status) { return nil, StatusOK },
	}}
}

func TestKeyAuthModule(t *testing.T) {
	unauthorized := func(msg string) *LocalResponse {
		return &LocalResponse{Status: 401, Body: []byte(`{"message":"` + msg + `"}`), GRPCStatus: -1,
			Headers: [][2]string{{"content-type", "application/json; charset=utf-8"}, {"www-authenticate", "Key"}}}
	}
	tests := []struct {
		name      string
		config    string
		headers   [][2]string
		body      string // sent through the body callback when not empty
		wantLocal *LocalResponse
		wantCalls []string
		wantReq   [][2]string // request headers after the plugin, when checked
	}{
		{name: "no key", config: `{}`, headers: [][2]string{{":method", "GET"}, {":path", "/"}},
			wantLocal: unauthorized("No API key found in request")},
		{name: "key in header", config: `{}`,
			headers:   [][2]string{{":method", "GET"}, {":path", "/"}, {"apikey", "secret"}},
			wantCalls: []string{`weir.find_credential {"kind":"keyauth_credentials","field":"key","value":"secret","authenticate":true}`}},
		{name: "unknown key in query", config: `{}`,
			headers:   [][2]string{{":method", "GET"}, {":path", "/x?apikey=nope"}},
			wantLocal: unauthorized("Unauthorized"),
			wantCalls: []string{`weir.find_credential {"kind":"keyauth_credentials","field":"key","value":"nope","authenticate":true}`}},
		{name: "duplicate header", config: `{}`,
			headers:   [][2]string{{":method", "GET"}, {":path", "/"}, {"apikey", "a"}, {"apikey", "b"}},
			wantLocal: unauthorized("Duplicate API key found")},
		{name: "realm", config: `{"realm":"weir"}`, headers: [][2]string{{":method", "GET"}, {":path", "/"}},
			wantLocal: &LocalResponse{Status: 401, Body: []byte(`{"message":"No API key found in request"}`), GRPCStatus: -1,
				Headers: [][2]string{{"content-type", "application/json; charset=utf-8"}, {"www-authenticate", `Key realm="weir"`}}}},
		{name: "hide credentials in query", config: `{"hide_credentials":true}`,
			headers:   [][2]string{{":method", "GET"}, {":path", "/x?a=1&apikey=secret&b=2"}},
			wantCalls: []string{`weir.find_credential {"kind":"keyauth_credentials","field":"key","value":"secret","authenticate":true}`},
			wantReq:   [][2]string{{":method", "GET"}, {":path", "/x?a=1&b=2"}}},
		{name: "anonymous fallback", config: `{"anonymous":"anon"}`, headers: [][2]string{{":method", "GET"}, {":path", "/"}},
			wantCalls: []string{`weir.find_consumer {"id_or_username":"anon"}`, `weir.authenticate {"consumer_id":"anon-id","credential_id":"","anonymous":true}`}},
		{name: "missing anonymous consumer", config: `{"anonymous":"ghost"}`, headers: [][2]string{{":method", "GET"}, {":path", "/"}},
			wantLocal: &LocalResponse{Status: 500, Body: []byte(`{"message":"An unexpected error occurred"}`), GRPCStatus: -1,
				Headers: [][2]string{{"content-type", "application/json; charset=utf-8"}}},
			wantCalls: []string{`weir.find_consumer {"id_or_username":"ghost"}`}},
		{name: "preflight skipped", config: `{"run_on_preflight":false}`, headers: [][2]string{{":method", "OPTIONS"}, {":path", "/"}}},
		{name: "key in JSON body", config: `{"key_in_body":true,"hide_credentials":true}`,
			headers:   [][2]string{{":method", "POST"}, {":path", "/"}, {"content-type", "application/json"}},
			body:      `{"apikey":"secret","x":1}`,
			wantCalls: []string{`weir.find_credential {"kind":"keyauth_credentials","field":"key","value":"secret","authenticate":true}`}},
		{name: "key in form body", config: `{"key_in_body":true,"hide_credentials":true}`,
			headers:   [][2]string{{":method", "POST"}, {":path", "/"}, {"content-type", "application/x-www-form-urlencoded"}},
			body:      `x=1&apikey=secret`,
			wantCalls: []string{`weir.find_credential {"kind":"keyauth_credentials","field":"key","value":"secret","authenticate":true}`}},
		{name: "underscores in a key name read as dashes in headers", config: `{"key_names":["api_key"]}`,
			headers:   [][2]string{{":method", "GET"}, {":path", "/"}, {"api-key", "secret"}},
			wantCalls: []string{`weir.find_credential {"kind":"keyauth_credentials","field":"key","value":"secret","authenticate":true}`}},
		{name: "the second key name", config: `{"key_names":["token","apikey"],"key_in_query":false}`,
			headers:   [][2]string{{":method", "GET"}, {":path", "/?token=nope"}, {"apikey", "secret"}},
			wantCalls: []string{`weir.find_credential {"kind":"keyauth_credentials","field":"key","value":"secret","authenticate":true}`}},
		{name: "a query flag is no key", config: `{}`, headers: [][2]string{{":method", "GET"}, {":path", "/?apikey"}},
			wantLocal: unauthorized("No API key found in request")},
		{name: "duplicate query argument", config: `{}`, headers: [][2]string{{":method", "GET"}, {":path", "/?apikey=a&apikey=b"}},
			wantLocal: unauthorized("Duplicate API key found")},
	}
	rt := newRuntime(t, 0)
	m, err := rt.Compile(context.Background(), rustBundle(t))
	if err != nil {
		t.Fatalf("Compile the Rust bundle: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			ev := &events{}
			svc := keyAuthHost(ev)
			s := newStream(ev, tt.headers...)
			s.bodies[BufferRequestBody].b = []byte(tt.body)
			_, h := instantiateAs(t, m, svc, "key-auth", tt.config, s)
			if _, err := h.OnRequestHeaders(ctx, tt.body == ""); err != nil {
				t.Fatalf("OnRequestHeaders: %v", err)
			}
			if tt.body != "" {
				if _, err := h.OnRequestBody(ctx, len(tt.body), true); err != nil {
					t.Fatalf("OnRequestBody: %v", err)
				}
			}
			h.Finish(ctx)
			checkLocal(t, s.local, tt.wantLocal)
			if !reflect.DeepEqual(svc.calls, tt.wantCalls) {
				t.Errorf("foreign calls = %q, want %q", svc.calls, tt.wantCalls)
			}
			if tt.wantReq != nil && !reflect.DeepEqual(s.maps[MapRequestHeaders].pairs, tt.wantReq) {
				t.Errorf("request headers = %q, want %q", s.maps[MapRequestHeaders].pairs, tt.wantReq)
			}
			if tt.body != "" && strings.Contains(string(s.bodies[BufferRequestBody].b), "secret") {
				t.Errorf("body still carries the key: %s", s.bodies[BufferRequestBody].b)
			}
		})
	}
}

func checkLocal(t *testing.T, got []LocalResponse, want *LocalResponse) {
	t.Helper()
	if want == nil {
		if len(got) != 0 {
			t.Fatalf("local responses = %+v, want none", got)
		}
		return
	}
	if len(got) != 1 {
		t.Fatalf("local responses = %+v, want one", got)
	}
	g := got[0]
	if g.Status != want.Status || string(g.Body) != string(want.Body) || !reflect.DeepEqual(g.Headers, want.Headers) || g.GRPCStatus != want.GRPCStatus {
		t.Fatalf("local response = %d %s %q (grpc %d), want %d %s %q", g.Status, g.Body, g.Headers, g.GRPCStatus, want.Status, want.Body, want.Headers)
	}
}

// TestInterleavedStreamsOnOneInstance drives many HTTP contexts from many goroutines
// through one instance: the instance's mutex must keep the guest coherent.
func TestInterleavedStreamsOnOneInstance(t *testing.T) {
	rt := newRuntime(t, 0)
	ctx := context.Background()
	ev := &events{}
	m, err := rt.Compile(ctx, goModule(t, "add_header"))
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	inst, _ := instantiate(t, m, &fakeServices{ev: ev}, `{"header":"x-n","value":"1"}`, newStream(ev))
	root, err := inst.NewRoot(ctx, "add_header", "", nil)
	if err != nil {
		t.Fatalf("NewRoot: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 8; n++ {
				s := newStream(ev)
				h, err := inst.NewHTTP(ctx, root, s)
				if err == nil {
					_, err = h.OnRequestHeaders(ctx, true)
				}
				if err != nil {
					errs <- err
					return
				}
				h.Finish(ctx)
				if v, _ := s.maps[MapRequestHeaders].Get("x-weir-example"); v != "added" {
					errs <- fmt.Errorf("stream got %q, want the default header", v)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestBundleServesEachPluginByRootID runs two built-ins side by side in one instance
// of the bundle: each root context gets the plugin its root id names, each plugin's
// callbacks are timed under its own name, and a root id naming no plugin is refused.
func TestBundleServesEachPluginByRootID(t *testing.T) {
	rt := newRuntime(t, 0)
	ctx := context.Background()
	m, err := rt.Compile(ctx, goModule(t, "bundle"))
	if err != nil {
		t.Fatalf("Compile the bundle: %v", err)
	}
	ev := &events{}
	inst, err := m.NewInstance(ctx, &fakeServices{ev: ev}, InstanceConfig{VMID: "builtins"})
	if err != nil {
		t.Fatalf("NewInstance: %v", err)
	}
	defer inst.Close(ctx)

	run := func(plugin, config string) *fakeStream {
		t.Helper()
		root, err := inst.NewRoot(ctx, plugin, plugin, []byte(config))
		if err != nil {
			t.Fatalf("NewRoot(%s): %v; events %q", plugin, err, ev.all())
		}
		s := newStream(ev, [2]string{":method", "GET"}, [2]string{":path", "/"})
		h, err := inst.NewHTTP(ctx, root, s)
		if err != nil {
			t.Fatalf("NewHTTP(%s): %v", plugin, err)
		}
		if _, err := h.OnRequestHeaders(ctx, true); err != nil {
			t.Fatalf("%s: OnRequestHeaders: %v", plugin, err)
		}
		h.Finish(ctx)
		return s
	}
	tagged := run("correlation-id", `{"header_name":"x-cid","generator":"uuid","echo_downstream":false}`)
	if v, _ := tagged.maps[MapRequestHeaders].Get("x-cid"); len(v) != 36 || len(tagged.local) != 0 {
		t.Errorf("correlation-id: x-cid = %q, local responses %+v; want a uuid and none", v, tagged.local)
	}
	ended := run("request-termination", `{"status_code":403,"message":"closed"}`)
	if len(ended.local) != 1 || ended.local[0].Status != 403 {
		t.Errorf("request-termination: local responses %+v, want one 403", ended.local)
	}
	if v, _ := ended.maps[MapRequestHeaders].Get("x-cid"); v != "" {
		t.Errorf("request-termination's request got correlation-id's header %q", v)
	}

	_, err = inst.NewRoot(ctx, "nope", "nope", []byte(`{}`))
	if !errors.Is(err, ErrConfigureRejected) {
		t.Fatalf("NewRoot(nope) = %v, want ErrConfigureRejected", err)
	}
	if logs := strings.Join(ev.all(), "\n"); !strings.Contains(logs, `no plugin registered for root id "nope" (this module carries: acl, basic-auth,`) {
		t.Errorf("no log line names the unknown root id; events:\n%s", logs)
	}
	if !inst.Healthy() {
		t.Fatal("the instance failed")
	}

	counts := map[string]uint64{}
	rt.EachCallbackStats(func(s *CallbackStats) {
		if _, _, n := s.Histogram(); s.Callback == "proxy_on_request_headers" && n > 0 {
			counts[s.Plugin] = n
		}
	})
	want := map[string]uint64{"correlation-id": 1, "request-termination": 1}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("proxy_on_request_headers calls by plugin = %v, want %v", counts, want)
	}
}

// TestDeclaredCallbacksSkipped checks weir.declare_http_callbacks through the SDK:
// basic-auth (weir layer: a request handler only, in the bundle) declares the rest,
// so its streams never enter the guest for response headers, response body, done or
// log, and its contexts report no response body to hold. add_header (proxywasm
// layer, no declaration) still gets every callback. The Rust built-ins declare what
// they leave empty too: response-transformer is not entered for request headers, nor
// for the response body when it has no json operation; request-transformer is not
// entered for the response. A Rust built-in left with one callback a stream keeps no
// stream contexts ("stream_context"): its streams are neither created nor deleted in
// the guest, and the callback still does its work (the header it adds is there).
func TestDeclaredCallbacksSkipped(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, 0)
	for _, tt := range []struct {
		module, plugin, config string
		headers                [][2]string
		ran, skipped           []string
		takesResponseBody      bool
		// added is "request NAME" or "response NAME": the plugin's work, a header it
		// adds to that map with value 1
		added string
	}{
		{"bundle", "basic-auth", `{}`, [][2]string{{":method", "GET"}, {":path", "/"}},
			[]string{fnContextCreate, fnRequestHeaders, fnDelete}, []string{fnResponseHeaders, fnResponseBody, fnDone, fnLog}, false, ""},
		{"bundle-rust", "key-auth", `{}`, [][2]string{{":method", "GET"}, {":path", "/"}, {"apikey", "secret"}},
			[]string{fnRequestHeaders}, []string{fnContextCreate, fnResponseHeaders, fnResponseBody, fnDone, fnLog, fnDelete}, false, ""},
		{"bundle-rust", "key-auth", `{"key_in_body":true}`, [][2]string{{":method", "GET"}, {":path", "/"}, {"apikey", "secret"}},
			[]string{fnContextCreate, fnRequestHeaders, fnDelete}, []string{fnResponseHeaders, fnResponseBody, fnDone, fnLog}, false, ""},
		{"bundle-rust", "rate-limiting", `{"hour":100}`, [][2]string{{":method", "GET"}, {":path", "/"}},
			[]string{fnRequestHeaders}, []string{fnContextCreate, fnResponseHeaders, fnResponseBody, fnDone, fnLog, fnDelete}, false, ""},
		{"bundle-rust", "response-transformer", `{"add":{"json":["a:1"],"headers":["x-a:1"]}}`, [][2]string{{":method", "GET"}, {":path", "/"}},
			[]string{fnResponseHeaders, fnResponseBody}, []string{fnContextCreate, fnRequestHeaders, fnDone, fnLog, fnDelete}, true, "response x-a"},
		{"bundle-rust", "response-transformer", `{"add":{"headers":["x-a:1"]}}`, [][2]string{{":method", "GET"}, {":path", "/"}},
			[]string{fnResponseHeaders}, []string{fnContextCreate, fnRequestHeaders, fnResponseBody, fnDone, fnLog, fnDelete}, false, "response x-a"},
		{"bundle-rust", "request-transformer", `{"add":{"headers":["x-a:1"]}}`, [][2]string{{":method", "GET"}, {":path", "/"}},
			[]string{fnRequestHeaders}, []string{fnContextCreate, fnResponseHeaders, fnResponseBody, fnDone, fnLog, fnDelete}, false, "request x-a"},
		{"add_header", "", `{"header":"x-a","value":"1"}`, [][2]string{{":method", "GET"}, {":path", "/"}},
			[]string{fnContextCreate, fnRequestHeaders, fnResponseHeaders, fnResponseBody, fnDone, fnLog, fnDelete}, nil, true, ""},
	} {
		t.Run(tt.module+"/"+tt.plugin, func(t *testing.T) {
			wasm := rustBundle
			if tt.module != "bundle-rust" {
				wasm = func(t testing.TB) []byte { return goModule(t, tt.module) }
			}
			m, err := rt.Compile(ctx, wasm(t))
			if err != nil {
				t.Fatal(err)
			}
			ev := &events{}
			s := newStream(ev, tt.headers...)
			s.maps[MapResponseHeaders].pairs = [][2]string{{":status", "200"}}
			inst, root := rootAs(t, m, keyAuthHost(ev), tt.plugin, tt.config)
			// callbacks are timed under the root context's plugin (rootAs names it)
			timedAs := tt.plugin
			if timedAs == "" {
				timedAs = "test-plugin"
			}
			calls := func(fn string) uint64 { return rt.callbacks.get(timedAs, fn).count.Load() }
			before := map[string]uint64{}
			for _, fn := range append(tt.ran, tt.skipped...) {
				before[fn] = calls(fn)
			}
			h, err := inst.NewHTTP(ctx, root, s)
			if err != nil {
				t.Fatal(err)
			}
			// a stream the guest keeps no context for is not filed by id either
			filed := 0
			if !slices.Contains(tt.skipped, fnContextCreate) {
				filed = 1
			}
			if got := len(inst.streams); got != filed {
				t.Errorf("%d streams filed, want %d", got, filed)
			}
			if _, err := h.OnRequestHeaders(ctx, true); err != nil {
				t.Fatal(err)
			}
			if _, err := h.OnResponseHeaders(ctx, false); err != nil {
				t.Fatal(err)
			}
			if _, err := h.OnResponseBody(ctx, 2, true); err != nil {
				t.Fatal(err)
			}
			if got, want := h.HandlesResponseBody(), tt.takesResponseBody; got != want {
				t.Errorf("HandlesResponseBody = %v, want %v", got, want)
			}
			h.Finish(ctx)
			if tt.added != "" {
				which, name, _ := strings.Cut(tt.added, " ")
				m := MapRequestHeaders
				if which == "response" {
					m = MapResponseHeaders
				}
				if got, _ := s.maps[m].Get(name); got != "1" {
					t.Errorf("%s header %s = %q, want the plugin to have added 1", which, name, got)
				}
			}
			for _, fn := range tt.ran {
				if calls(fn) != before[fn]+1 {
					t.Errorf("%s ran %d times, want once", fn, calls(fn)-before[fn])
				}
			}
			for _, fn := range tt.skipped {
				if calls(fn) != before[fn] {
					t.Errorf("%s ran, want it skipped", fn)
				}
			}
		})
	}
}

// allocCounter counts a guest's proxy_on_memory_allocate calls (a wazero function
// listener factory).
type allocCounter struct{ n int }

func (c *allocCounter) NewFunctionListener(def api.FunctionDefinition) experimental.FunctionListener {
	if strings.TrimPrefix(def.DebugName(), ".") != "proxy_on_memory_allocate" {
		return nil
	}
	return experimental.FunctionListenerFunc(func(context.Context, api.Module, api.FunctionDefinition, []uint64, experimental.StackIterator) {
		c.n++
	})
}

// TestReturnBuffer: the SDK names a return buffer (weir.return_buffer), so what host
// calls return reaches a Go guest without calls to its allocator; a value larger than
// the buffer is still allocated, and the plugin works the same either way.
// correlation-id reads the request's header through the SDK's Request, which takes the
// whole request header map in one call: a large header makes it larger than the buffer.
func TestReturnBuffer(t *testing.T) {
	counter := &allocCounter{}
	ctx := experimental.WithFunctionListenerFactory(context.Background(), counter)
	rt := newRuntime(t, 0)
	m, err := rt.Compile(ctx, goModule(t, "bundle"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		value  string
		allocs int
	}{
		{"values fit", "small", 0},
		{"a value larger than the buffer", strings.Repeat("v", 8000), 1}, // the header map
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev := &events{}
			s := newStream(ev, [2]string{":method", "GET"}, [2]string{":path", "/"}, [2]string{"x-big", tt.value})
			_, h := instantiateAs(t, m, &fakeServices{ev: ev}, "correlation-id", `{"header_name":"x-added","generator":"uuid"}`, s)
			counter.n = 0
			a, err := h.OnRequestHeaders(ctx, true)
			if err != nil || a != ActionContinue || len(s.local) > 0 {
				t.Fatalf("request headers: %v, %v, local response %+v", a, err, s.local)
			}
			if v, _ := s.maps[MapRequestHeaders].Get("x-added"); len(v) != 36 {
				t.Errorf("x-added = %q, want the plugin's uuid", v)
			}
			if counter.n != tt.allocs {
				t.Errorf("guest allocator called %d times, want %d", counter.n, tt.allocs)
			}
		})
	}
}

// TestRustBundleHoldsBodiesOnlyWhenAsked: the Rust module exports a request body
// callback, for key-auth with key_in_body and request-transformer with body operations
// or a method change that moves a form into the query; every other root context
// declares it skipped, so weir holds no request body for them.
func TestRustBundleHoldsBodiesOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, 0)
	m, err := rt.Compile(ctx, rustBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		plugin, config string
		holds          bool
	}{
		{"key-auth", `{}`, false},
		{"key-auth", `{"key_in_body":true}`, true},
		{"rate-limiting", `{"minute":5}`, false},
		{"request-transformer", `{"add":{"headers":["x-a:1"],"querystring":["q:1"]}}`, false},
		{"request-transformer", `{"remove":{"body":["a"]}}`, true},
		{"request-transformer", `{"http_method":"GET"}`, true},
		{"request-transformer", `{"http_method":"POST"}`, false},
	} {
		ev := &events{}
		s := newStream(ev, [2]string{":method", "POST"}, [2]string{":path", "/"})
		_, h := instantiateAs(t, m, keyAuthHost(ev), tt.plugin, tt.config, s)
		if got := h.HandlesRequestBody(); got != tt.holds {
			t.Errorf("%s %s: HandlesRequestBody = %v, want %v", tt.plugin, tt.config, got, tt.holds)
		}
		h.Finish(ctx)
	}
}
