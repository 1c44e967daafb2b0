package proxytest_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

// conn is a TCP context that logs every callback it gets (what it read included) and
// answers data with what the test's hooks say.
type conn struct {
	types.DefaultTcpContext
	id uint32
}

var (
	onDown func(size int, eos bool) types.Action // nil: continue
	onUp   func(size int, eos bool) types.Action
	onTick func()
)

func (c *conn) OnNewConnection() types.Action {
	proxywasm.LogInfof("new %d", c.id)
	return types.ActionContinue
}

func (c *conn) OnDownstreamData(size int, eos bool) types.Action {
	data, err := proxywasm.GetDownstreamData(0, size)
	proxywasm.LogInfof("down %d %q %v %v", size, data, eos, err)
	if onDown != nil {
		return onDown(size, eos)
	}
	return types.ActionContinue
}

func (c *conn) OnUpstreamData(size int, eos bool) types.Action {
	data, err := proxywasm.GetUpstreamData(0, size)
	proxywasm.LogInfof("up %d %q %v %v", size, data, eos, err)
	if onUp != nil {
		return onUp(size, eos)
	}
	return types.ActionContinue
}

func (c *conn) OnDownstreamClose(p types.PeerType) { proxywasm.LogInfof("down closed %d", p) }
func (c *conn) OnUpstreamClose(p types.PeerType)   { proxywasm.LogInfof("up closed %d", p) }
func (c *conn) OnStreamDone()                      { proxywasm.LogInfof("done %d", c.id) }

type tcpVM struct{ types.DefaultVMContext }

func (*tcpVM) NewPluginContext(uint32) types.PluginContext { return &tcpPlugin{} }

type tcpPlugin struct{ types.DefaultPluginContext }

func (*tcpPlugin) NewTcpContext(id uint32) types.TcpContext { return &conn{id: id} }

func (*tcpPlugin) OnTick() {
	if onTick != nil {
		onTick()
	}
}

func tcpHost(t *testing.T, opt *proxytest.EmulatorOption) proxytest.HostEmulator {
	t.Helper()
	onDown, onUp, onTick = nil, nil, nil
	host, reset := proxytest.NewHostEmulator(opt.WithVMContext(&tcpVM{}))
	t.Cleanup(func() {
		reset()
		onDown, onUp, onTick = nil, nil, nil
	})
	return host
}

func expectLogs(t *testing.T, host proxytest.HostEmulator, want ...string) {
	t.Helper()
	if got := host.GetInfoLogs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("logs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func panics(f func()) (msg string) {
	defer func() { msg = fmt.Sprint(recover()) }()
	f()
	return "<nil>"
}

func TestConnectionLifecycle(t *testing.T) {
	host := tcpHost(t, proxytest.NewEmulatorOption())
	id, action := host.InitializeConnection()
	if action != types.ActionContinue {
		t.Fatalf("OnNewConnection action %v", action)
	}
	if a := host.CallOnDownstreamData(id, []byte("ping")); a != types.ActionContinue {
		t.Fatalf("downstream action %v", a)
	}
	host.CallOnUpstreamDataEOS(id, []byte("pong"), true)
	host.CloseDownstreamConnection(id)
	host.CloseUpstreamConnectionBy(id, types.PeerTypeRemote)
	host.CompleteConnection(id)
	expectLogs(t, host,
		fmt.Sprintf("new %d", id),
		`down 4 "ping" false <nil>`,
		`up 4 "pong" true <nil>`,
		"down closed 1", // PeerTypeLocal
		"up closed 2",   // PeerTypeRemote
		fmt.Sprintf("done %d", id),
	)
	if msg := panics(func() { host.CallOnDownstreamData(id, []byte("x")) }); !strings.Contains(msg, "no stream context") {
		t.Fatalf("data on a completed connection: %s", msg)
	}
}

func TestConnectionsAreSeparate(t *testing.T) {
	host := tcpHost(t, proxytest.NewEmulatorOption())
	a, _ := host.InitializeConnection()
	b, _ := host.InitializeConnection()
	if a == b || a == proxytest.PluginContextID || b == proxytest.PluginContextID {
		t.Fatalf("ids %d %d", a, b)
	}
	host.CallOnDownstreamData(a, []byte("to a"))
	host.CallOnDownstreamData(b, []byte("to b"))
	if got := string(host.GetCurrentDownstreamData(a)); got != "to a" {
		t.Fatalf("a's buffer %q", got)
	}
	if got := string(host.GetCurrentDownstreamData(b)); got != "to b" {
		t.Fatalf("b's buffer %q", got)
	}
	if got := host.GetCurrentUpstreamData(a); len(got) != 0 {
		t.Fatalf("a's upstream buffer %q", got)
	}
}

// A paused direction accumulates; once it continues, the next data starts afresh.
func TestPausedDataAccumulates(t *testing.T) {
	host := tcpHost(t, proxytest.NewEmulatorOption())
	onDown = func(size int, _ bool) types.Action {
		data, _ := proxywasm.GetDownstreamData(0, size)
		if !strings.HasSuffix(string(data), "\n") {
			return types.ActionPause
		}
		return types.ActionContinue
	}
	id, _ := host.InitializeConnection()
	if a := host.CallOnDownstreamData(id, []byte("GET ")); a != types.ActionPause {
		t.Fatalf("first part: %v", a)
	}
	if a := host.GetCurrentDownstreamAction(id); a != types.ActionPause {
		t.Fatalf("current action %v", a)
	}
	if a := host.CallOnDownstreamData(id, []byte("/\n")); a != types.ActionContinue {
		t.Fatalf("second part: %v", a)
	}
	if got := string(host.GetCurrentDownstreamData(id)); got != "GET /\n" {
		t.Fatalf("passed on %q", got)
	}
	host.CallOnDownstreamData(id, []byte("next\n"))
	expectLogs(t, host,
		fmt.Sprintf("new %d", id),
		`down 4 "GET " false <nil>`,
		`down 6 "GET /\n" false <nil>`,
		`down 5 "next\n" false <nil>`,
	)
	// The upstream direction is held apart.
	if a := host.GetCurrentUpstreamAction(id); a != types.ActionContinue {
		t.Fatalf("upstream action %v", a)
	}
}

func TestPluginRewritesData(t *testing.T) {
	host := tcpHost(t, proxytest.NewEmulatorOption())
	onDown = func(int, bool) types.Action {
		if err := proxywasm.ReplaceDownstreamData([]byte("HELLO")); err != nil {
			t.Error(err)
		}
		if err := proxywasm.PrependDownstreamData([]byte("> ")); err != nil {
			t.Error(err)
		}
		return types.ActionContinue
	}
	onUp = func(int, bool) types.Action {
		if err := proxywasm.AppendUpstreamData([]byte("!")); err != nil {
			t.Error(err)
		}
		return types.ActionContinue
	}
	id, _ := host.InitializeConnection()
	host.CallOnDownstreamData(id, []byte("hello"))
	host.CallOnUpstreamData(id, []byte("world"))
	if got := string(host.GetCurrentDownstreamData(id)); got != "> HELLO" {
		t.Fatalf("downstream %q", got)
	}
	if got := string(host.GetCurrentUpstreamData(id)); got != "world!" {
		t.Fatalf("upstream %q", got)
	}
}

// ContinueTcpStream from outside the data callback (a tick, with the connection as
// the effective context) resumes the downstream direction.
func TestContinueTcpStreamFromTick(t *testing.T) {
	host := tcpHost(t, proxytest.NewEmulatorOption())
	var held uint32
	onDown = func(int, bool) types.Action { return types.ActionPause }
	onTick = func() {
		if err := proxywasm.SetEffectiveContext(held); err != nil {
			t.Error(err)
		}
		if err := proxywasm.ContinueTcpStream(); err != nil {
			t.Error(err)
		}
	}
	held, _ = host.InitializeConnection()
	host.CallOnDownstreamData(held, []byte("a"))
	host.Tick()
	if a := host.GetCurrentDownstreamAction(held); a != types.ActionContinue {
		t.Fatalf("after ContinueTcpStream: %v", a)
	}
	onDown = nil
	host.CallOnDownstreamData(held, []byte("b"))
	if got := string(host.GetCurrentDownstreamData(held)); got != "b" {
		t.Fatalf("buffer after resume %q", got)
	}
}

func TestEndOfStream(t *testing.T) {
	host := tcpHost(t, proxytest.NewEmulatorOption())
	id, _ := host.InitializeConnection()
	host.CallOnDownstreamDataEOS(id, []byte("last"), true)
	if msg := panics(func() { host.CallOnDownstreamData(id, []byte("more")) }); !strings.Contains(msg, "end of stream") {
		t.Fatalf("data after end of stream: %s", msg)
	}
	// The other side is still open.
	host.CallOnUpstreamDataEOS(id, nil, true)
	expectLogs(t, host,
		fmt.Sprintf("new %d", id),
		`down 4 "last" true <nil>`,
		`up 0 "" true error status returned by host: not found`, // the SDK: empty is NOT_FOUND
	)
}

func TestUpstreamPropertiesFromOptions(t *testing.T) {
	location := [][2]string{{"region", "ap-northeast-1"}, {"cloud_provider", "aws"}, {"az", "ap-northeast-1a"}}
	host := tcpHost(t, proxytest.NewEmulatorOption().
		WithProperty([]string{"upstream", "address"}, []byte("127.0.0.1:8099")).
		WithPropertyMap([]string{"cluster_metadata", "filter_metadata", "location"}, location))
	var addr []byte
	var meta [][2]string
	var missing error
	onUp = func(int, bool) types.Action {
		var err error
		if addr, err = proxywasm.GetProperty([]string{"upstream", "address"}); err != nil {
			t.Error(err)
		}
		if meta, err = proxywasm.GetPropertyMap([]string{"cluster_metadata", "filter_metadata", "location"}); err != nil {
			t.Error(err)
		}
		_, missing = proxywasm.GetPropertyMap([]string{"cluster_metadata", "filter_metadata", "none"})
		return types.ActionContinue
	}
	id, _ := host.InitializeConnection()
	host.CallOnUpstreamData(id, []byte("x"))
	if string(addr) != "127.0.0.1:8099" {
		t.Fatalf("upstream.address %q", addr)
	}
	if !reflect.DeepEqual(meta, location) {
		t.Fatalf("metadata %q", meta)
	}
	if missing != types.ErrorStatusNotFound {
		t.Fatalf("missing map: %v", missing)
	}
	if v, err := host.GetProperty([]string{"upstream", "address"}); err != nil || string(v) != "127.0.0.1:8099" {
		t.Fatalf("host side: %q %v", v, err)
	}
}

func TestEmptyPropertyMap(t *testing.T) {
	tcpHost(t, proxytest.NewEmulatorOption().WithPropertyMap([]string{"m"}, nil))
	if m, err := proxywasm.GetPropertyMap([]string{"m"}); err != nil || len(m) != 0 {
		t.Fatalf("empty map: %q %v", m, err)
	}
}

// SetTcpContext's default VM and plugin contexts create the plugin's TCP contexts.
func TestSetTcpContext(t *testing.T) {
	proxywasm.SetTcpContext(func(id uint32) types.TcpContext { return &conn{id: id} })
	host, reset := proxytest.NewHostEmulator(nil)
	defer reset()
	id, _ := host.InitializeConnection()
	host.CompleteConnection(id)
	expectLogs(t, host, fmt.Sprintf("new %d", id), fmt.Sprintf("done %d", id))
}

func TestTcpCallsOnHttpContextPanic(t *testing.T) {
	host := tcpHost(t, proxytest.NewEmulatorOption())
	id := host.InitializeHttpContext()
	if msg := panics(func() { host.CallOnDownstreamData(id, []byte("x")) }); !strings.Contains(msg, "HTTP context") {
		t.Fatalf("TCP data on an HTTP context: %s", msg)
	}
}
