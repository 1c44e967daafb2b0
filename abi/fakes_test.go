package abi

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// events records, in order, what the guest made the host do, so tests can assert on
// ordering (a log line before a deferred local response, say).
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	e.list = append(e.list, s)
	e.mu.Unlock()
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.list...)
}

// fakeServices logs into events and answers foreign functions from a table.
type fakeServices struct {
	ev      *events
	foreign map[string]func(args []byte) ([]byte, Status)
	calls   []string
}

func (s *fakeServices) Log(plugin string, level LogLevel, msg string) {
	s.ev.add(fmt.Sprintf("log %s %s: %s", level, plugin, msg))
}

func (s *fakeServices) LogLevel() LogLevel { return LogTrace }

func (s *fakeServices) CallForeignFunction(_ HTTPStream, name string, args []byte) ([]byte, Status) {
	s.calls = append(s.calls, name+" "+string(args))
	f, ok := s.foreign[name]
	if !ok {
		return nil, StatusNotFound
	}
	return f(args)
}

// fakeMap is a HeaderMap over ordered pairs.
type fakeMap struct{ pairs [][2]string }

func (m *fakeMap) Pairs() [][2]string { return m.pairs }
func (m *fakeMap) Get(k string) (string, bool) {
	for _, p := range m.pairs {
		if strings.EqualFold(p[0], k) {
			return p[1], true
		}
	}
	return "", false
}
func (m *fakeMap) Add(k, v string) { m.pairs = append(m.pairs, [2]string{k, v}) }
func (m *fakeMap) Set(k, v string) { m.Remove(k); m.Add(k, v) }
func (m *fakeMap) Remove(k string) {
	out := m.pairs[:0]
	for _, p := range m.pairs {
		if !strings.EqualFold(p[0], k) {
			out = append(out, p)
		}
	}
	m.pairs = out
}
func (m *fakeMap) SetPairs(p [][2]string) { m.pairs = p }

type fakeBuffer struct{ b []byte }

func (b *fakeBuffer) Bytes() []byte { return b.b }
func (b *fakeBuffer) Set(v []byte)  { b.b = v }

// fakeStream is an HTTPStream with request and response maps and bodies.
type fakeStream struct {
	ev     *events
	maps   map[MapType]*fakeMap
	bodies map[BufferType]*fakeBuffer
	props  map[string]string
	local  []LocalResponse
}

func newStream(ev *events, reqHeaders ...[2]string) *fakeStream {
	return &fakeStream{ev: ev,
		maps:   map[MapType]*fakeMap{MapRequestHeaders: {pairs: reqHeaders}, MapResponseHeaders: {}},
		bodies: map[BufferType]*fakeBuffer{BufferRequestBody: {}, BufferResponseBody: {}},
		props:  map[string]string{}}
}

func (s *fakeStream) Map(t MapType) HeaderMap {
	if m, ok := s.maps[t]; ok {
		return m
	}
	return nil
}

func (s *fakeStream) Buffer(t BufferType) Buffer {
	if b, ok := s.bodies[t]; ok {
		return b
	}
	return nil
}

func (s *fakeStream) SendLocalResponse(r LocalResponse) {
	s.ev.add(fmt.Sprintf("local %d", r.Status))
	s.local = append(s.local, r)
}

func (s *fakeStream) Property(path []string) ([]byte, bool) {
	v, ok := s.props[strings.Join(path, ".")]
	return []byte(v), ok
}

func (s *fakeStream) SetProperty(path []string, v []byte) bool {
	s.props[strings.Join(path, ".")] = string(v)
	return true
}

// newRuntime builds a runtime closed with the test.
func newRuntime(t *testing.T, timeout time.Duration) *Runtime {
	t.Helper()
	ctx := context.Background()
	rt, err := NewRuntime(ctx, Config{CallbackTimeout: timeout})
	if err != nil {
		t.Fatalf("NewRuntime: %v", err)
	}
	t.Cleanup(func() { _ = rt.Close(ctx) })
	return rt
}

// fixture reads a committed WAT-built module from testdata/wat.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "wat", name+".wasm"))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// setup compiles wasm, instantiates it and creates one root and one HTTP context.
func setup(t *testing.T, rt *Runtime, wasm []byte, svc *fakeServices, config string, s *fakeStream) (*Instance, *HTTPContext) {
	t.Helper()
	m, err := rt.Compile(context.Background(), wasm)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return instantiate(t, m, svc, config, s)
}

// instantiate makes an instance of a compiled module with one root and one HTTP context.
func instantiate(t *testing.T, m *Module, svc *fakeServices, config string, s *fakeStream) (*Instance, *HTTPContext) {
	t.Helper()
	return instantiateAs(t, m, svc, "", config, s)
}

// instantiateAs is instantiate with a root context for plugin, whose name is also the
// root id that picks it in a module carrying several ("" for the default root).
func instantiateAs(t *testing.T, m *Module, svc *fakeServices, plugin, config string, s *fakeStream) (*Instance, *HTTPContext) {
	t.Helper()
	inst, root := rootAs(t, m, svc, plugin, config)
	h, err := inst.NewHTTP(context.Background(), root, s)
	if err != nil {
		t.Fatalf("NewHTTP: %v", err)
	}
	return inst, h
}

// rootAs is instantiateAs up to the root context: an instance and plugin's root
// context, configured, with no stream yet.
func rootAs(t *testing.T, m *Module, svc *fakeServices, plugin, config string) (*Instance, *Root) {
	t.Helper()
	ctx := context.Background()
	inst, err := m.NewInstance(ctx, svc, InstanceConfig{VMID: "test-vm"})
	if err != nil {
		t.Fatalf("NewInstance: %v", err)
	}
	t.Cleanup(func() { _ = inst.Close(ctx) })
	name := plugin
	if name == "" {
		name = "test-plugin"
	}
	root, err := inst.NewRoot(ctx, name, plugin, []byte(config))
	if err != nil {
		t.Fatalf("NewRoot: %v", err)
	}
	return inst, root
}
