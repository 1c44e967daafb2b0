package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/wasmpool"
	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store"
)

// ErrUnknownPlugin says a plugin names neither a built-in nor an uploaded module.
var ErrUnknownPlugin = errors.New("no built-in plugin or uploaded wasm module of that name")

// retireGrace is how long a module nobody configures any more stays loaded, so requests
// that started on an older snapshot can finish with it.
const retireGrace = 30 * time.Second

// modules knows the wasm pool behind every plugin name: built-ins, compiled on first
// use, and uploaded modules, compiled the first time a snapshot needs them and shared
// by content (sha256).
type modules struct {
	rt     *abi.Runtime
	svc    abi.Services
	reader store.Reader
	pools  wasmpool.Config

	builtins map[string]*builtin // by plugin name; their modules' pools made under mu

	mu       sync.Mutex
	uploaded map[string]*wasmpool.Pool // by sha256
}

// bundleVMID is the VM id (and pool name) of a module several built-ins share (another
// such module is bundleVMID:<its first plugin>). Plugin names allow no ':', so no
// uploaded module shares its shared data or queues.
const bundleVMID = "weir:builtins"

// builtin is one built-in plugin: its priority and the module that serves it.
type builtin struct {
	priority int
	module   *builtinModule
	// used is set once a configuration named the plugin: its share of the module's
	// instances is reported from then on.
	used bool
}

// builtinModule is the wasm of one or more built-ins (they ship in two modules, the Go
// bundle and the Rust one), compiled the first time a configuration uses one of them:
// compiling at start would cost each node start (and each test node) seconds, for
// plugins many deployments never enable. One module for several built-ins means one
// pool of instances (and for Go one runtime per instance) for all of them; each plugin
// config is a root context whose root id is the plugin's name.
type builtinModule struct {
	bin  []byte
	name string         // the pool's name and VM id: the plugin's, or bundleVMID when shared
	pool *wasmpool.Pool // nil until first used
}

func newModules(ctx context.Context, rt *abi.Runtime, svc abi.Services, reader store.Reader, builtins []pluginswasm.Builtin, pools wasmpool.Config) (*modules, error) {
	m := &modules{rt: rt, svc: svc, reader: reader, pools: pools,
		builtins: map[string]*builtin{}, uploaded: map[string]*wasmpool.Pool{}}
	var mods []*builtinModule
	for _, b := range builtins {
		if b.Module == nil {
			return nil, fmt.Errorf("%s: %w", b.Name, pluginswasm.ErrNotBuilt)
		}
		mod := sameModule(mods, b.Module)
		switch {
		case mod == nil:
			mod = &builtinModule{bin: b.Module, name: b.Name}
			mods = append(mods, mod)
		case !strings.HasPrefix(mod.name, bundleVMID): // a second plugin: the module is shared
			first := mod.name
			mod.name = bundleVMID
			if slices.ContainsFunc(mods, func(o *builtinModule) bool { return o != mod && o.name == bundleVMID }) {
				mod.name = bundleVMID + ":" + first
			}
		}
		m.builtins[b.Name] = &builtin{priority: b.Priority, module: mod}
	}
	return m, nil
}

// sameModule finds the module whose wasm is bin among mods.
func sameModule(mods []*builtinModule, bin []byte) *builtinModule {
	for _, mod := range mods {
		if bytes.Equal(mod.bin, bin) {
			return mod
		}
	}
	return nil
}

// builtinPool is a built-in module's pool, compiling the module on first use; m.mu is
// held.
func (m *modules) builtinPool(ctx context.Context, b *builtinModule) (*wasmpool.Pool, error) {
	if b.pool == nil {
		mod, err := m.rt.Compile(ctx, b.bin)
		if err != nil {
			return nil, fmt.Errorf("compile built-in %s: %w", b.name, err)
		}
		cfg := m.poolConfig(b.name)
		cfg.NamedRoots = true
		b.pool = wasmpool.New(mod, m.svc, cfg)
	}
	return b.pool, nil
}

// builtinModules lists each built-in module once.
func (m *modules) builtinModules() []*builtinModule {
	seen := map[*builtinModule]bool{}
	var out []*builtinModule
	for _, b := range m.builtins {
		if !seen[b.module] {
			seen[b.module] = true
			out = append(out, b.module)
		}
	}
	return out
}

// Lookup implements snapshot.Modules.
func (m *modules) Lookup(ctx context.Context, name string, uploaded map[string]*store.WasmModule) (*wasmpool.Pool, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.builtins[name]; ok {
		p, err := m.builtinPool(ctx, b.module)
		b.used = err == nil
		return p, b.priority, err
	}
	wm := uploaded[name]
	if wm == nil {
		return nil, 0, fmt.Errorf("%q: %w", name, ErrUnknownPlugin)
	}
	if p := m.uploaded[wm.SHA256]; p != nil {
		return p, wm.Priority, nil
	}
	bin, err := m.reader.WasmBinary(ctx, wm.SHA256)
	if err != nil {
		return nil, 0, fmt.Errorf("read module %s: %w", name, err)
	}
	mod, err := m.rt.Compile(ctx, bin)
	if err != nil {
		return nil, 0, fmt.Errorf("compile module %s: %w", name, err)
	}
	p := wasmpool.New(mod, m.svc, m.poolConfig(name))
	m.uploaded[wm.SHA256] = p
	return p, wm.Priority, nil
}

// retain tells every pool which plugin configs are live, and retires uploaded modules
// no live config uses once the grace period has passed.
func (m *modules) retain(byPool map[*wasmpool.Pool][]*wasmpool.Plugin) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.builtinModules() {
		if b.pool != nil {
			b.pool.SetLive(keys(byPool[b.pool]))
		}
	}
	for sha, p := range m.uploaded {
		if plugins, ok := byPool[p]; ok {
			p.SetLive(keys(plugins))
			continue
		}
		delete(m.uploaded, sha)
		time.AfterFunc(retireGrace, func() {
			ctx := context.Background()
			p.Close(ctx)
			_ = p.Module().Close(ctx)
		})
	}
}

// poolConfig is the pools' shape, named for the module's log lines.
func (m *modules) poolConfig(name string) wasmpool.Config {
	cfg := m.pools
	cfg.Name = name
	return cfg
}

func keys(plugins []*wasmpool.Plugin) map[string]bool {
	out := make(map[string]bool, len(plugins))
	for _, p := range plugins {
		out[p.Key] = true
	}
	return out
}

// crashes sums the crashed instances each module's pool retired, by module name; a
// built-in's crashes count under the plugin whose callback failed (under the module's
// name when none was running).
func (m *modules) crashes() map[string]int {
	out := map[string]int{}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.builtinModules() {
		if b.pool == nil {
			continue
		}
		for plugin, n := range b.pool.RestartsByPlugin() {
			if plugin == "" {
				plugin = b.pool.Name()
			}
			out[plugin] += n
		}
	}
	for _, p := range m.uploaded {
		out[p.Name()] += p.Restarts()
	}
	return out
}

// instances counts the running instances of each module, by plugin name. Built-ins
// that share a module each report its instances, which run them all.
func (m *modules) instances() map[string]int {
	out := map[string]int{}
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, b := range m.builtins {
		if b.used && b.module.pool != nil {
			out[name] = b.module.pool.Started()
		}
	}
	for _, p := range m.uploaded {
		out[p.Name()] += p.Started()
	}
	return out
}

// close closes every pool and module.
func (m *modules) close(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.builtinModules() {
		if b.pool != nil {
			b.pool.Close(ctx)
			_ = b.pool.Module().Close(ctx)
		}
	}
	for _, p := range m.uploaded {
		p.Close(ctx)
		_ = p.Module().Close(ctx)
	}
}
