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

// TestBuiltinsShareTheirModule checks that built-ins carried by one module (the bundle)
// compile it once and run in one pool, and that each built-in in use reports that
// pool's instances under its own name.
func TestBuiltinsShareTheirModule(t *testing.T) {
	ctx := context.Background()
	rt, err := abi.NewRuntime(ctx, abi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	bundle, err := os.ReadFile("../testdata/wat/abi010.wasm")
	if err != nil {
		t.Fatal(err)
	}
	m, err := newModules(ctx, rt, nil, nil, []pluginswasm.Builtin{
		{Name: "first", Priority: 2, Module: bundle},
		{Name: "second", Priority: 1, Module: bundle},
		{Name: "unused", Priority: 0, Module: bundle},
	}, wasmpool.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.close(ctx)
	first, prio, err := m.Lookup(ctx, "first", nil)
	if err != nil || prio != 2 {
		t.Fatalf("Lookup(first) = %d, %v", prio, err)
	}
	second, prio, err := m.Lookup(ctx, "second", nil)
	if err != nil || prio != 1 {
		t.Fatalf("Lookup(second) = %d, %v", prio, err)
	}
	if first != second || first.Name() != bundleVMID {
		t.Fatalf("pools %p (%s) and %p: want one pool named %s", first, first.Name(), second, bundleVMID)
	}
	want := map[string]int{"first": 1, "second": 1}
	if got := m.instances(); len(got) != 2 || got["first"] != 1 || got["second"] != 1 {
		t.Errorf("instances = %v, want %v", got, want)
	}
}

// TestBuiltinModuleNames checks the VM id (and pool name) of each built-in module: a
// plugin's own name when it is alone in its module, weir:builtins for the first module
// several share, and a distinct name for another shared module, so that no two
// modules share their shared data.
func TestBuiltinModuleNames(t *testing.T) {
	ctx := context.Background()
	rt, err := abi.NewRuntime(ctx, abi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	read := func(name string) []byte {
		b, err := os.ReadFile("../testdata/wat/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	goBundle, rustBundle, solo := read("abi010.wasm"), read("headers.wasm"), read("misc.wasm")
	m, err := newModules(ctx, rt, nil, nil, []pluginswasm.Builtin{
		{Name: "acl", Module: goBundle},
		{Name: "key-auth", Module: rustBundle},
		{Name: "lone", Module: solo},
		{Name: "prometheus", Module: goBundle},
		{Name: "rate-limiting", Module: rustBundle},
	}, wasmpool.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.close(ctx)
	for _, tc := range []struct{ plugin, pool string }{
		{"acl", bundleVMID},
		{"prometheus", bundleVMID},
		{"key-auth", bundleVMID + ":key-auth"},
		{"rate-limiting", bundleVMID + ":key-auth"},
		{"lone", "lone"},
	} {
		p, _, err := m.Lookup(ctx, tc.plugin, nil)
		if err != nil {
			t.Fatalf("Lookup(%s): %v", tc.plugin, err)
		}
		if p.Name() != tc.pool {
			t.Errorf("%s runs in pool %q, want %q", tc.plugin, p.Name(), tc.pool)
		}
	}
}
