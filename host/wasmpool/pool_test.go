package wasmpool

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/weir-gateway/weir/abi"
)

type quietServices struct{}

func (quietServices) Log(string, abi.LogLevel, string) {}
func (quietServices) LogLevel() abi.LogLevel           { return abi.LogError }
func (quietServices) CallForeignFunction(abi.HTTPStream, string, []byte) ([]byte, abi.Status) {
	return nil, abi.StatusNotFound
}

// nullStream is a stream with nothing in it; the fixtures here never look.
type nullStream struct{}

func (nullStream) Map(abi.MapType) abi.HeaderMap       { return nil }
func (nullStream) Buffer(abi.BufferType) abi.Buffer    { return nil }
func (nullStream) SendLocalResponse(abi.LocalResponse) {}
func (nullStream) Property([]string) ([]byte, bool)    { return nil, false }
func (nullStream) SetProperty([]string, []byte) bool   { return false }

func fixturePool(t *testing.T, name string) *Pool {
	t.Helper()
	return fixturePoolWith(t, name, Config{Name: name, Size: 1})
}

func fixturePoolWith(t *testing.T, name string, cfg Config) *Pool {
	t.Helper()
	ctx := context.Background()
	rt, err := abi.NewRuntime(ctx, abi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(ctx) })
	wasm, err := os.ReadFile("../../testdata/wat/" + name + ".wasm")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := rt.Compile(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	p := New(mod, quietServices{}, cfg)
	t.Cleanup(func() { p.Close(ctx) })
	return p
}

// crash opens plugin on slot and runs request headers, which the hostile fixture's
// "h" config traps in.
func crash(t *testing.T, slot *Slot, plugin *Plugin) {
	t.Helper()
	ctx := context.Background()
	hc, lease, err := openHTTP(ctx, slot, plugin)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if _, err := hc.OnRequestHeaders(ctx, true); !errors.Is(err, abi.ErrInstanceFailed) {
		t.Fatalf("err = %v, want ErrInstanceFailed", err)
	}
	hc.Finish(ctx)
	lease.Release(ctx)
}

// waitUp waits for the background replacement of slot's instance.
func waitUp(t *testing.T, slot *Slot, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for slot.down.Load() {
		if time.Now().After(deadline) {
			t.Fatalf("instance not replaced within %v", within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCrashedInstanceIsReplacedWithBackoff: the first crash is replaced at once, in the
// background, with the live roots recreated; a second crash in a row waits for the
// backoff, during which the slot answers ErrUnavailable.
func TestCrashedInstanceIsReplacedWithBackoff(t *testing.T) {
	ctx := context.Background()
	p := fixturePoolWith(t, "hostile", Config{Size: 1, Backoff: Backoff{Base: 300 * time.Millisecond, Max: time.Second, Reset: time.Minute}})
	bad := &Plugin{Key: "bad", Name: "hostile", Config: []byte(`{"do":"h"}`)}
	good := &Plugin{Key: "good", Name: "hostile", Config: []byte(`{"do":"-"}`)}
	p.SetLive(map[string]bool{"bad": true, "good": true})
	if err := p.Prepare(ctx, []*Plugin{good}); err != nil {
		t.Fatal(err)
	}
	slot := p.Pick()
	crash(t, slot, bad)
	if got := slot.Restarts(); got != 1 {
		t.Fatalf("restarts = %d after one crash, want 1", got)
	}
	slot.mu.Lock()
	for _, e := range slot.recent {
		if e.r != nil {
			t.Errorf("the retired instance's root %q is still remembered", e.plugin.Key)
		}
	}
	slot.mu.Unlock()
	waitUp(t, slot, time.Second)
	slot.mu.Lock()
	_, warm := slot.roots["good"]
	slot.mu.Unlock()
	if !warm {
		t.Fatal("the replacement did not recreate the live root")
	}
	crash(t, slot, bad)
	if _, _, err := openHTTP(ctx, slot, good); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("open during backoff: err = %v, want ErrUnavailable", err)
	}
	waitUp(t, slot, 2*time.Second)
	hc, lease, err := openHTTP(ctx, slot, good)
	if err != nil {
		t.Fatalf("open after backoff: %v", err)
	}
	hc.Finish(ctx)
	lease.Release(ctx)
}

// TestPickAvoidsCrashedSlots: while one slot waits to replace its instance, requests go
// to the others.
func TestPickAvoidsCrashedSlots(t *testing.T) {
	p := fixturePoolWith(t, "hostile", Config{Size: 3, Backoff: Backoff{Base: time.Hour, Max: time.Hour, Reset: time.Hour}})
	bad := &Plugin{Key: "bad", Name: "hostile", Config: []byte(`{"do":"h"}`)}
	slot := p.Pick()
	crash(t, slot, bad)
	waitUp(t, slot, time.Second) // the first crash is replaced at once
	crash(t, slot, bad)          // the second waits an hour
	for i := 0; i < 10; i++ {
		if p.Pick() == slot {
			t.Fatal("Pick chose the slot waiting for its backoff")
		}
	}
}

func TestRootsFollowTheLiveSet(t *testing.T) {
	ctx := context.Background()
	p := fixturePool(t, "headers")
	a := &Plugin{Key: "a", Name: "headers", Config: []byte("{}")}
	b := &Plugin{Key: "b", Name: "headers", Config: []byte("{}")}
	p.SetLive(map[string]bool{"a": true})
	if err := p.Prepare(ctx, []*Plugin{a}); err != nil {
		t.Fatal(err)
	}
	slot := p.Pick()
	hcA, leaseA, err := openHTTP(ctx, slot, a)
	if err != nil {
		t.Fatal(err)
	}
	// a new snapshot drops "a" while a request still holds it
	p.SetLive(map[string]bool{"b": true})
	if err := p.Prepare(ctx, []*Plugin{b}); err != nil {
		t.Fatal(err)
	}
	if n := len(slot.roots); n != 2 {
		t.Fatalf("roots while a is held: %d, want 2", n)
	}
	hcA.Finish(ctx)
	leaseA.Release(ctx)
	if _, ok := slot.roots["a"]; ok || len(slot.roots) != 1 {
		t.Fatalf("root a not closed after its last request: %v", slot.roots)
	}
	// a root whose requests ended while it was live is still closed once a later
	// snapshot drops it during a request (release remembers the generation it checked)
	for range 2 {
		hcB, leaseB, err := openHTTP(ctx, slot, b)
		if err != nil {
			t.Fatal(err)
		}
		hcB.Finish(ctx)
		leaseB.Release(ctx)
	}
	if _, ok := slot.roots["b"]; !ok {
		t.Fatal("root b closed while live")
	}
	hcB, leaseB, err := openHTTP(ctx, slot, b)
	if err != nil {
		t.Fatal(err)
	}
	p.SetLive(map[string]bool{})
	hcB.Finish(ctx)
	leaseB.Release(ctx)
	if len(slot.roots) != 0 {
		t.Fatalf("root b not closed after the snapshot dropped it: %v", slot.roots)
	}
	// b live again, the same Plugin: a new root, not the closed one the slot found b's
	// root by before
	p.SetLive(map[string]bool{"b": true})
	hcB, leaseB, err = openHTTP(ctx, slot, b)
	if err != nil {
		t.Fatalf("b live again: %v", err)
	}
	if r := slot.roots["b"]; r == nil || r.dropped || r != leaseB.r {
		t.Fatalf("b live again: root %+v, lease's %+v", r, leaseB.r)
	}
	hcB.Finish(ctx)
	leaseB.Release(ctx)
}

// TestPoolGrowsWithLoad: a pool starts one instance; sequential traffic keeps it at
// one, and a request that finds the only instance busy starts the next one in the
// background, which later requests then get.
func TestPoolGrowsWithLoad(t *testing.T) {
	ctx := context.Background()
	p := fixturePoolWith(t, "headers", Config{Size: 3})
	plugin := &Plugin{Key: "k", Name: "headers", Config: []byte("{}")}
	p.SetLive(map[string]bool{"k": true})
	if err := p.Prepare(ctx, []*Plugin{plugin}); err != nil {
		t.Fatal(err)
	}
	var reused abi.HTTPContext // one storage, opened again after each Finish
	for i := 0; i < 5; i++ {
		lease, err := p.Pick().Open(ctx, plugin, nullStream{}, &reused)
		if err != nil {
			t.Fatal(err)
		}
		reused.Finish(ctx)
		lease.Release(ctx)
	}
	if got := p.Started(); got != 1 {
		t.Fatalf("sequential traffic started %d instances, want 1", got)
	}

	first := p.Pick()
	hc, lease, err := openHTTP(ctx, first, plugin)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { hc.Finish(ctx); lease.Release(ctx) }()
	if again := p.Pick(); again != first {
		t.Fatal("a warming instance was picked")
	}
	if got := p.Started(); got != 2 {
		t.Fatalf("busy instance: started = %d, want 2", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.slots[1].warming.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the second instance did not warm up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	second := p.Pick()
	if second == first {
		t.Fatal("the idle new instance was not picked")
	}
	second.mu.Lock()
	_, warm := second.roots["k"]
	second.mu.Unlock()
	if !warm {
		t.Fatal("the new instance was not warmed with the live plugin")
	}
}

// TestSharedModuleCrashRecreatesEveryPluginsRoots: plugins that share a module share
// its instances, so one plugin's trap retires the others' root contexts too; the
// replacement recreates every live one, and the crash counts against the plugin that
// trapped.
func TestSharedModuleCrashRecreatesEveryPluginsRoots(t *testing.T) {
	ctx := context.Background()
	p := fixturePoolWith(t, "hostile", Config{Name: "shared", Size: 1, NamedRoots: true,
		Backoff: Backoff{Base: time.Hour, Max: time.Hour, Reset: time.Hour}})
	bad := &Plugin{Key: "bad", Name: "trapper", Config: []byte(`{"do":"h"}`)}
	others := []*Plugin{
		{Key: "a", Name: "first", Config: []byte(`{"do":"-"}`)},
		{Key: "b", Name: "second", Config: []byte(`{"do":"-"}`)},
	}
	p.SetLive(map[string]bool{"bad": true, "a": true, "b": true})
	if err := p.Prepare(ctx, others); err != nil {
		t.Fatal(err)
	}
	slot := p.Pick()
	slot.mu.Lock()
	before := map[string]*abi.Root{"a": slot.roots["a"].root, "b": slot.roots["b"].root}
	slot.mu.Unlock()
	crash(t, slot, bad)
	waitUp(t, slot, time.Second)
	slot.mu.Lock()
	for key, old := range before {
		r, ok := slot.roots[key]
		if !ok || r.root == old {
			t.Errorf("root %s not recreated on the replacement instance", key)
		}
	}
	slot.mu.Unlock()
	for _, plugin := range others {
		hc, lease, err := openHTTP(ctx, slot, plugin)
		if err != nil {
			t.Fatalf("%s after the crash: %v", plugin.Name, err)
		}
		if _, err := hc.OnRequestHeaders(ctx, true); err != nil {
			t.Fatalf("%s after the crash: %v", plugin.Name, err)
		}
		hc.Finish(ctx)
		lease.Release(ctx)
	}
	if got := p.RestartsByPlugin(); len(got) != 1 || got["trapper"] != 1 {
		t.Errorf("restarts by plugin = %v, want trapper: 1", got)
	}
}

// openHTTP opens an HTTP context for plugin on slot in storage of its own.
func openHTTP(ctx context.Context, slot *Slot, plugin *Plugin) (*abi.HTTPContext, Lease, error) {
	hc := new(abi.HTTPContext)
	lease, err := slot.Open(ctx, plugin, nullStream{}, hc)
	return hc, lease, err
}
