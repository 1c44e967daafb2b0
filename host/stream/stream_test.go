package stream

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/host/testnet"
	"github.com/weir-gateway/weir/host/wasmpool"
	"github.com/weir-gateway/weir/store"
)

// logBuffer collects log lines (the server's and the plugins').
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// services logs guest lines into the test's log.
type services struct{ logger *slog.Logger }

func (s services) Log(plugin string, level abi.LogLevel, msg string) {
	s.logger.Info(msg, "plugin", plugin, "level", level.String())
}
func (services) LogLevel() abi.LogLevel { return abi.LogTrace }
func (services) CallForeignFunction(abi.HTTPStream, string, []byte) ([]byte, abi.Status) {
	return nil, abi.StatusNotFound
}

// modules serves the WAT fixture network for the plugin name "network".
type modules struct {
	pool *wasmpool.Pool
}

func (m modules) Lookup(_ context.Context, name string, _ map[string]*store.WasmModule) (*wasmpool.Pool, int, error) {
	if name != "network" {
		return nil, 0, fmt.Errorf("no module %s", name)
	}
	return m.pool, 10, nil
}

// echoServer echoes each connection until the client ends it, then ends its side.
func echoServer(t *testing.T) *net.TCPAddr {
	t.Helper()
	return testnet.Listen(t, func(c net.Conn) { _, _ = io.Copy(c, c) })
}

type fixture struct {
	srv    *Server
	addr   string
	logs   *logBuffer
	pool   *wasmpool.Pool
	closed chan struct{}
}

// start runs a stream listener whose one route (by destination port) goes to an echo
// server, with the network fixture enabled on it when plugin is set.
func start(t *testing.T, plugin bool, tags ...string) *fixture {
	t.Helper()
	return startWith(t, plugin, 0, tags...)
}

// startWith is start with a callback deadline for the plugin (0: the default).
func startWith(t *testing.T, plugin bool, timeout time.Duration, tags ...string) *fixture {
	t.Helper()
	module := ""
	if plugin {
		module = "network"
	}
	return startModule(t, module, timeout, tags...)
}

// startModule is start with the WAT fixture module (none when "") enabled on the route.
func startModule(t *testing.T, module string, timeout time.Duration, tags ...string) *fixture {
	t.Helper()
	plugin := module != ""
	ctx := context.Background()
	up := echoServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	name := "echo"
	ds := &store.Dataset{
		Services: []store.Service{{ID: "s1", Name: &name, Protocol: "tcp", Host: "127.0.0.1", Port: up.Port,
			ConnectTimeout: 1000, ReadTimeout: 5000, WriteTimeout: 5000, Enabled: true}},
		Routes: []store.Route{{ID: "r1", Protocols: []string{"tcp"}, Service: &store.Ref{ID: "s1"},
			Destinations: []store.CIDRPort{{Port: &port}}}},
	}
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := &fixture{logs: logs, addr: ln.Addr().String()}
	var mods modules
	if plugin {
		rt, err := abi.NewRuntime(ctx, abi.Config{CallbackTimeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = rt.Close(ctx) })
		wasm, err := os.ReadFile(filepath.Join("..", "..", "testdata", "wat", module+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := rt.Compile(ctx, wasm)
		if err != nil {
			t.Fatal(err)
		}
		mods.pool = wasmpool.New(m, services{logger}, wasmpool.Config{Name: "network", Size: 1})
		t.Cleanup(func() { mods.pool.Close(ctx) })
		f.pool = mods.pool
		ds.Plugins = []store.Plugin{{ID: "p1", Name: "network", Enabled: true, Route: &store.Ref{ID: "r1"},
			Protocols: []string{"tcp", "tls"}, Config: []byte(`{}`), Tags: tags}}
	}
	snap, err := snapshot.Build(ctx, ds, mods)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = New(Options{Snapshot: func() *snapshot.Snapshot { return snap }, Logger: logger})
	f.closed = make(chan struct{})
	go func() {
		defer close(f.closed)
		if err := f.srv.Serve(ln, false); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = f.srv.Shutdown(ctx)
		<-f.closed
	})
	return f
}

func (f *fixture) dial(t *testing.T) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func (f *fixture) waitLog(t *testing.T, part string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(f.logs.String(), part) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no log line with %q:\n%s", part, f.logs)
}

func TestEchoWithoutPlugins(t *testing.T) {
	f := start(t, false)
	c := f.dial(t)
	r := bufio.NewReader(c)
	for _, msg := range []string{"hello\n", "world\n"} {
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("echo = %q, %v; want %q", got, err, msg)
		}
	}
	// half close: the client ends its side, the echo server ends its, the client reads
	// the end
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("after half close: %q, %v", rest, err)
	}
	f.waitLog(t, "bytes_to_upstream=12 bytes_to_client=12")
}

func TestHalfCloseDeliversPendingData(t *testing.T) {
	f := start(t, false)
	c := f.dial(t)
	if _, err := c.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "last words" {
		t.Fatalf("read %q, %v; want the echo then the end", got, err)
	}
}

func TestNoRouteClosesTheConnection(t *testing.T) {
	f := start(t, false)
	// a listener on another port: the route's destination port does not match
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.srv.Serve(ln, false) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
		t.Fatalf("read %q, %v; want the connection closed", b, err)
	}
	f.waitLog(t, "no stream route matched")
}

func TestPluginFiltersBothWays(t *testing.T) {
	f := start(t, true)
	c := f.dial(t)
	r := bufio.NewReader(c)
	// the plugin holds a partial line (PAUSE), then wraps the whole line; the echo
	// comes back through upstream data, which it prefixes with "<"
	if _, err := c.Write([]byte("hel")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := c.Write([]byte("lo\n")); err != nil {
		t.Fatal(err)
	}
	want := "<[hello\n]"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("after half close: %q, %v", rest, err)
	}
	f.waitLog(t, "downstream close 2")
	f.waitLog(t, "msg=done")
}

func TestPluginClosesTheStream(t *testing.T) {
	f := start(t, true)
	c := f.dial(t)
	if _, err := c.Write([]byte("quit\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
		t.Fatalf("read %q, %v; want the connection closed", b, err)
	}
	f.waitLog(t, "downstream close 1")
}

// TestTrapClosesOnlyThatConnection: a plugin that traps on one connection closes it;
// the next connection gets a fresh instance and works.
func TestTrapClosesOnlyThatConnection(t *testing.T) {
	f := start(t, true)
	good := f.dial(t)
	bad := f.dial(t)
	if _, err := bad.Write([]byte("!\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(bad); len(b) != 0 {
		t.Fatalf("read %q, %v; want the connection closed", b, err)
	}
	f.waitLog(t, "plugin failed; closing the connection")
	// the connection opened before the crash shares the retired instance: it is
	// closed when it next needs the plugin; a new one works once the instance is
	// replaced
	_, _ = good.Write([]byte("x\n"))
	if b, _ := io.ReadAll(good); len(b) != 0 {
		t.Fatalf("the other connection on the crashed instance read %q", b)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := f.dial(t)
		_, _ = c.Write([]byte("again\n"))
		got := make([]byte, len("<[again\n]"))
		_, err := io.ReadFull(c, got)
		if err == nil && string(got) == "<[again\n]" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no working connection after the crash: %q, %v\n%s", got, err, f.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestFailOpenPluginIsSkipped(t *testing.T) {
	f := start(t, true, snapshot.FailOpenTag)
	c := f.dial(t)
	if _, err := c.Write([]byte("!x\n")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 3)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "!x\n" {
		t.Fatalf("read %q, %v; want the data unfiltered", got, err)
	}
}

func TestShutdownDrains(t *testing.T) {
	f := start(t, false)
	c := f.dial(t)
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		done <- f.srv.Shutdown(ctx)
	}()
	// the open connection keeps working while the server drains
	if _, err := c.Write([]byte("y")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, b); err != nil || b[0] != 'y' {
		t.Fatalf("during drain: %q, %v", b, err)
	}
	if err := <-done; err == nil {
		t.Fatal("Shutdown returned nil with a connection still open past its deadline")
	}
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("after shutdown: %v", err)
	}
	if n := f.srv.Open(); n != 0 {
		t.Fatalf("%d connections open after Shutdown", n)
	}
	if _, err := net.Dial("tcp", f.addr); err == nil {
		t.Fatal("the listener still accepts after Shutdown")
	}
}

// TestPluginContinuesLater: a plugin pauses the downstream and continues it from its
// root's tick (proxy_set_effective_context, proxy_continue_stream DOWNSTREAM); the data
// it held goes on as it was.
func TestPluginContinuesLater(t *testing.T) {
	f := start(t, true)
	c := f.dial(t)
	if _, err := c.Write([]byte("paused\n")); err != nil {
		t.Fatal(err)
	}
	want := "<paused\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
	// the connection goes on normally afterwards
	if _, err := c.Write([]byte("next\n")); err != nil {
		t.Fatal(err)
	}
	want = "<[next\n]"
	got = make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}

// TestCallbackDeadlineClosesTheConnection: a callback that never returns is stopped
// at the deadline and its connection closed; the server goes on.
func TestCallbackDeadlineClosesTheConnection(t *testing.T) {
	f := startWith(t, true, 200*time.Millisecond)
	c := f.dial(t)
	start := time.Now()
	if _, err := c.Write([]byte("~\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(c); len(b) != 0 {
		t.Fatalf("read %q; want the connection closed", b)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("closed after %v", d)
	}
	f.waitLog(t, "plugin failed; closing the connection")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := f.dial(t)
		_, _ = c.Write([]byte("ok\n"))
		got := make([]byte, len("<[ok\n]"))
		_, err := io.ReadFull(c, got)
		if err == nil && string(got) == "<[ok\n]" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no working connection after the deadline: %q, %v", got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestHTTPOnlyModuleIsSkipped: a module without L4 callbacks, enabled for tcp, takes no
// part in the connection: the fixture traps on any non-root context.
func TestHTTPOnlyModuleIsSkipped(t *testing.T) {
	f := startModule(t, "http_only", 0)
	c := f.dial(t)
	if _, err := c.Write([]byte("as is\n")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len("as is\n"))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "as is\n" {
		t.Fatalf("read %q, %v", got, err)
	}
	// (had it been given a context, it would have trapped and closed the connection)
}
