package host

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/wasmpool"
	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
)

// TestBuiltinsCompiledOnFirstUse checks that built-in modules are compiled when a
// configuration first uses them, not at start: a module that does not compile fails
// its Lookup, a good one is compiled once and then served from its pool.
func TestBuiltinsCompiledOnFirstUse(t *testing.T) {
	ctx := context.Background()
	rt, err := abi.NewRuntime(ctx, abi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	good, err := os.ReadFile("../testdata/wat/abi010.wasm")
	if err != nil {
		t.Fatal(err)
	}
	m, err := newModules(ctx, rt, nil, nil, []pluginswasm.Builtin{
		{Name: "good", Priority: 7, Module: good},
		{Name: "broken", Priority: 1, Module: []byte("not wasm")},
	}, wasmpool.Config{})
	if err != nil {
		t.Fatalf("start compiles built-ins: %v", err)
	}
	defer m.close(ctx)
	if m.builtins["good"].module.pool != nil {
		t.Fatal("good compiled before its first use")
	}
	p, prio, err := m.Lookup(ctx, "good", nil)
	if err != nil || p == nil || prio != 7 {
		t.Fatalf("Lookup(good) = %v, %d, %v", p, prio, err)
	}
	if again, _, _ := m.Lookup(ctx, "good", nil); again != p {
		t.Error("a second Lookup made another pool")
	}
	if _, _, err := m.Lookup(ctx, "broken", nil); !errors.Is(err, abi.ErrInvalidModule) {
		t.Errorf("Lookup(broken) = %v, want an invalid module", err)
	}
	if _, err := newModules(ctx, rt, nil, nil, []pluginswasm.Builtin{{Name: "absent"}}, wasmpool.Config{}); !errors.Is(err, pluginswasm.ErrNotBuilt) {
		t.Errorf("a built-in without wasm: %v", err)
	}
}
