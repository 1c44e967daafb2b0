package wasmpool

import (
	"context"
	"errors"
	"os"
	"testing"

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
	p := New(mod, quietServices{}, 1)
	t.Cleanup(func() { p.Close(ctx) })
	return p
}

func TestFailedInstanceIsReplaced(t *testing.T) {
	ctx := context.Background()
	p := fixturePool(t, "trap")
	plugin := &Plugin{Key: "k", Name: "trap", Config: []byte("{}")}
	for round := 0; round < 2; round++ {
		slot := p.Pick()
		hc, release, err := slot.Open(ctx, plugin, nullStream{})
		if err != nil {
			t.Fatalf("round %d: open: %v", round, err)
		}
		if _, err := hc.OnRequestHeaders(ctx, true); !errors.Is(err, abi.ErrInstanceFailed) {
			t.Fatalf("round %d: err = %v, want ErrInstanceFailed", round, err)
		}
		hc.Finish(ctx)
		release()
		if got := slot.Restarts(); got != round {
			t.Fatalf("round %d: restarts = %d", round, got)
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
	hcA, releaseA, err := slot.Open(ctx, a, nullStream{})
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
	releaseA()
	if _, ok := slot.roots["a"]; ok || len(slot.roots) != 1 {
		t.Fatalf("root a not closed after its last request: %v", slot.roots)
	}
}
