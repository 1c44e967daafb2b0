package weir

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

type guardConfig struct {
	Header string `json:"header" default:"x-token"`
	Field  string `json:"field" default:"token"`
	Tag    string `json:"tag" validate:"required"`
}

// guard is a plugin using every callback: a request needs a token in a header, else in
// a JSON body field (removed before the upstream sees it); responses are tagged.
var guard = Plugin[guardConfig]{
	Name: "guard",
	OnRequest: func(r *Request, c *guardConfig) Action {
		r.Data = "seen"
		if r.Header(c.Header) == "" {
			return ReadBody
		}
		_ = r.SetQuery(r.Query().With("via", "header"))
		return Continue
	},
	OnRequestBody: func(r *Request, c *guardConfig) Action {
		if r.BodyArg(c.Field).Kind != ArgString {
			return r.Error(401, "no token")
		}
		out, _ := r.ParsedBody().Without(c.Field)
		_ = r.SetBody(out)
		_ = r.AddHeader("x-via", "body")
		return Continue
	},
	OnResponse: func(r *Request, c *guardConfig) Action {
		_ = r.SetResponseHeader("x-tag", c.Tag+"/"+r.Data.(string))
		if r.Status() >= 500 {
			return ReadBody
		}
		return Continue
	},
	OnResponseBody: func(r *Request, c *guardConfig) Action {
		_ = r.SetBody([]byte("hidden: " + string(r.Body())))
		return Continue
	},
	OnLog: func(r *Request, c *guardConfig) {
		_, _ = NewCounter("requests").Add(1)
	},
}

func startGuard(t *testing.T, config string) proxytest.HostEmulator {
	t.Helper()
	registerOnly(t, guard)
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithPluginConfiguration([]byte(config)))
	t.Cleanup(reset)
	if st := host.StartPlugin(); st != types.OnPluginStartStatusOK {
		t.Fatalf("OnPluginStart = %v; errors %q", st, host.GetErrorLogs())
	}
	return host
}

func TestPluginRefusesABadConfig(t *testing.T) {
	registerOnly(t, guard)
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithPluginConfiguration([]byte(`{"header":"x"}`)))
	defer reset()
	if st := host.StartPlugin(); st != types.OnPluginStartStatusFailed {
		t.Fatalf("OnPluginStart = %v, want failed", st)
	}
	if logs := strings.Join(host.GetErrorLogs(), "\n"); !strings.Contains(logs, "guard: config.tag: required field missing") {
		t.Fatalf("error logs = %q", logs)
	}
}

func TestPluginHeaderPath(t *testing.T) {
	host := startGuard(t, `{"tag":"t1"}`)
	id := host.InitializeHttpContext()
	req := [][2]string{{":method", "GET"}, {":path", "/a?via=x&b=1"}, {"X-Token", "k"}}
	if a := host.CallOnRequestHeaders(id, req, false); a != types.ActionContinue {
		t.Fatalf("request headers: %v", a)
	}
	if a := host.CallOnRequestBody(id, []byte(`{"token":"ignored"}`), true); a != types.ActionContinue {
		t.Fatalf("request body: %v", a)
	}
	if got := first(host.GetCurrentRequestHeaders(id), ":path"); got != "/a?b=1&via=header" {
		t.Fatalf(":path = %q", got)
	}
	if got := string(host.GetCurrentRequestBody(id)); got != `{"token":"ignored"}` {
		t.Fatalf("body changed without a ReadBody: %s", got)
	}
	host.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, false)
	host.CallOnResponseBody(id, []byte("fine"), true)
	if got := first(host.GetCurrentResponseHeaders(id), "x-tag"); got != "t1/seen" {
		t.Fatalf("x-tag = %q (Data kept between callbacks?)", got)
	}
	if got := string(host.GetCurrentResponseBody(id)); got != "fine" {
		t.Fatalf("response body = %q", got)
	}
	host.CompleteHttpContext(id)
	if n, err := NewCounter("requests").Get(); n != 1 || err != nil {
		t.Fatalf("requests counter = %d, %v", n, err)
	}
}

func TestPluginReadsTheBody(t *testing.T) {
	host := startGuard(t, `{"tag":"t"}`)
	id := host.InitializeHttpContext()
	req := [][2]string{{":method", "POST"}, {":path", "/"}, {"content-type", "application/json"}}
	host.CallOnRequestHeaders(id, req, false)
	if a := host.CallOnRequestBody(id, []byte(`{"tok`), false); a != types.ActionPause {
		t.Fatalf("partial body: %v, want the body buffered (pause)", a)
	}
	if a := host.CallOnRequestBody(id, []byte(`{"token":"k","keep":1}`), true); a != types.ActionContinue {
		t.Fatalf("body: %v", a)
	}
	if got := string(host.GetCurrentRequestBody(id)); got != `{"keep":1}` {
		t.Fatalf("body = %s, want the token removed", got)
	}
	if got := first(host.GetCurrentRequestHeaders(id), "x-via"); got != "body" {
		t.Fatalf("x-via = %q", got)
	}
	host.CallOnResponseHeaders(id, [][2]string{{":status", "502"}}, false)
	host.CallOnResponseBody(id, []byte("stack trace"), true)
	if got := string(host.GetCurrentResponseBody(id)); got != "hidden: stack trace" {
		t.Fatalf("response body = %q", got)
	}
}

func TestPluginStops(t *testing.T) {
	for _, endOfStream := range []bool{false, true} {
		host := startGuard(t, `{"tag":"t"}`)
		id := host.InitializeHttpContext()
		a := host.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}}, endOfStream)
		if !endOfStream {
			a = host.CallOnRequestBody(id, []byte("not json"), true)
		}
		if a != types.ActionPause {
			t.Fatalf("endOfStream=%v: action %v, want pause", endOfStream, a)
		}
		resp := host.GetSentLocalResponse(id)
		if resp == nil || resp.StatusCode != 401 || !strings.Contains(string(resp.Data), `"message":"no token"`) {
			t.Fatalf("endOfStream=%v: local response %+v", endOfStream, resp)
		}
	}
}

func TestCounter(t *testing.T) {
	_, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&types.DefaultVMContext{}))
	defer reset()
	c := NewCounter("hits")
	if created, err := c.Init(10); !created || err != nil {
		t.Fatalf("Init = %v, %v", created, err)
	}
	if created, _ := c.Init(99); created {
		t.Fatal("Init replaced an existing counter")
	}
	if n, err := c.Add(5); n != 15 || err != nil {
		t.Fatalf("Add = %d, %v", n, err)
	}
	if err := c.Set(-2); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Get(); n != -2 {
		t.Fatalf("Get = %d", n)
	}
}

func TestCounterRetriesOnCASMismatch(t *testing.T) {
	useCASLoop(t)
	store, cas, lost := int64(7), uint32(3), 2
	oldGet, oldSet := getShared, setShared
	t.Cleanup(func() { getShared, setShared = oldGet, oldSet })
	getShared = func(string) ([]byte, uint32, error) { return encodeInt(store), cas, nil }
	setShared = func(_ string, v []byte, c uint32) error {
		if lost > 0 { // another instance wins the race twice
			lost--
			store, cas = store+100, cas+1
			return types.ErrorStatusCasMismatch
		}
		if c != cas {
			t.Fatalf("set with cas %d, current %d", c, cas)
		}
		store = int64(v[0])
		return nil
	}
	if n, err := NewCounter("k").Add(1); err != nil || n != 208 {
		t.Fatalf("Add = %d, %v; want 208 after two lost races", n, err)
	}
	setShared = func(string, []byte, uint32) error { return types.ErrorStatusCasMismatch }
	if _, err := NewCounter("k").Add(1); err == nil || !strings.Contains(err.Error(), "contention") {
		t.Fatalf("endless contention: %v", err)
	}
}

func TestProperties(t *testing.T) {
	opt := proxytest.NewEmulatorOption().WithVMContext(&types.DefaultVMContext{})
	for k, v := range map[string]string{"weir.route_id": "r1", "weir.service_name": "svc", "weir.consumer_id": "c1",
		"weir.consumer_username": "alice", "weir.credential_id": "cred"} {
		opt.WithProperty(strings.Split(k, "."), []byte(v))
	}
	_, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	if RouteID() != "r1" || ServiceName() != "svc" || RouteName() != "" {
		t.Fatalf("route %q service %q name %q", RouteID(), ServiceName(), RouteName())
	}
	c, cred, ok := AuthenticatedConsumer()
	if !ok || c.ID != "c1" || *c.Username != "alice" || c.CustomID != nil || cred != "cred" {
		t.Fatalf("consumer %+v %q %v", c, cred, ok)
	}
	if _, ok := CtxGet("k"); ok {
		t.Fatal("weir.ctx.k before a write")
	}
	if err := CtxSet("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, ok := CtxGet("k"); !ok || string(v) != "v" {
		t.Fatalf("CtxGet = %q, %v", v, ok)
	}
}

func TestArgs(t *testing.T) {
	q := Query("a=1&b&c=x&c=y&d=1&d&e=%41+b&bad=%zz")
	got := []Arg{q.Arg("a"), q.Arg("b"), q.Arg("c"), q.Arg("d"), q.Arg("e"), q.Arg("bad"), q.Arg("z")}
	want := []Arg{{ArgString, "1"}, {Kind: ArgOther}, {Kind: ArgList}, {Kind: ArgList}, {ArgString, "A b"}, {ArgString, "%zz"}, {}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("query args %+v", got)
	}
	if got := q.Without("c").Without("bad"); got != "a=1&b&d=1&d&e=%41+b" {
		t.Fatalf("Without = %q", got)
	}
	h := [][2]string{{"x-api-key", "1"}, {"dup", "a"}, {"DUP", "b"}}
	if a := HeaderArg(h, "X_API_KEY"); a != (Arg{ArgString, "1"}) || HeaderArg(h, "dup").Kind != ArgList {
		t.Fatalf("header args %+v", a)
	}
	j := ParseBody("application/json; charset=utf-8", []byte(`{"s":"v","n":1,"l":["a"],"o":{}}`))
	if j.Arg("s") != (Arg{ArgString, "v"}) || j.Arg("n").Kind != ArgOther || j.Arg("l").Kind != ArgList || j.Arg("o").Kind != ArgList {
		t.Fatal("json body args")
	}
	f := ParseBody("application/x-www-form-urlencoded", []byte("k=1&k=2&z=3"))
	if f.Arg("k").Kind != ArgList || f.Arg("z").Value != "3" {
		t.Fatal("form body args")
	}
	if out, ok := f.Without("k"); !ok || string(out) != "z=3" {
		t.Fatalf("form Without = %s", out)
	}
	if b := ParseBody("text/plain", []byte("k=1")); b.Parsed() || b.Arg("k").Kind != ArgAbsent {
		t.Fatal("a text body has fields")
	}
}

// registerOnly makes p the test binary's one registered plugin until the test ends:
// registrations add up, as in a module that carries several plugins.
func registerOnly[C any](t *testing.T, p Plugin[C]) {
	t.Helper()
	proxywasm.SetVMContext(nil)
	Register(p)
	t.Cleanup(func() { proxywasm.SetVMContext(nil) })
}

// TestPluginContextReusedClean: a deleted context is recycled for the next request
// without what the last one left: here, a body the first request waited for and never
// got must not be waited for again.
func TestPluginContextReusedClean(t *testing.T) {
	host := startGuard(t, `{"tag":"t"}`)
	first := host.InitializeHttpContext()
	host.CallOnRequestHeaders(first, [][2]string{{":method", "POST"}, {":path", "/"}}, false)
	host.CompleteHttpContext(first)

	next := host.InitializeHttpContext()
	req := [][2]string{{":method", "POST"}, {":path", "/"}, {"x-token", "k"}}
	if a := host.CallOnRequestHeaders(next, req, false); a != types.ActionContinue {
		t.Fatalf("request headers: %v", a)
	}
	if a := host.CallOnRequestBody(next, []byte(`{}`), true); a != types.ActionContinue {
		t.Fatalf("request body: %v, want continue (the body callback is not wanted); local response %+v", a, host.GetSentLocalResponse(next))
	}
}

func TestSetResponseHeaderInt(t *testing.T) {
	registerOnly(t, Plugin[struct{}]{Name: "numbers", OnResponse: func(r *Request, _ *struct{}) Action {
		_ = r.SetResponseHeaderInt("x-big", 1234567890123)
		_ = r.SetResponseHeaderInt("x-negative", -7)
		return Continue
	}})
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption())
	defer reset()
	host.StartPlugin()
	id := host.InitializeHttpContext()
	host.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}}, true)
	host.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, true)
	got := host.GetCurrentResponseHeaders(id)
	if first(got, "x-big") != "1234567890123" || first(got, "x-negative") != "-7" {
		t.Fatalf("response headers %q", got)
	}
}
