package host

import (
	"context"
	"errors"
	"fmt"
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

// modules knows the wasm pool behind every plugin name: built-ins, compiled at start,
// and uploaded modules, compiled the first time a snapshot needs them and shared by
// content (sha256).
type modules struct {
	rt     *abi.Runtime
	svc    abi.Services
	reader store.Reader
	pools  wasmpool.Config

	builtins map[string]*builtinModule // pools made on first use, under mu

	mu       sync.Mutex
	uploaded map[string]*wasmpool.Pool // by sha256
}

// builtinModule is a built-in plugin's wasm, compiled the first time a configuration
// uses it: compiling every built-in at start would cost each node start (and each
// test node) most of a second per module, for plugins most deployments never enable.
type builtinModule struct {
	bin      []byte
	priority int
	pool     *wasmpool.Pool // nil until first used
}

func newModules(ctx context.Context, rt *abi.Runtime, svc abi.Services, reader store.Reader, builtins []pluginswasm.Builtin, pools wasmpool.Config) (*modules, error) {
	m := &modules{rt: rt, svc: svc, reader: reader, pools: pools,
		builtins: map[string]*builtinModule{}, uploaded: map[string]*wasmpool.Pool{}}
	for _, b := range builtins {
		if b.Module == nil {
			return nil, fmt.Errorf("%s: %w", b.Name, pluginswasm.ErrNotBuilt)
		}
		m.builtins[b.Name] = &builtinModule{bin: b.Module, priority: b.Priority}
	}
	return m, nil
}

// builtinPool is a built-in's pool, compiling its module on first use; m.mu is held.
func (m *modules) builtinPool(ctx context.Context, name string, b *builtinModule) (*wasmpool.Pool, error) {
	if b.pool == nil {
		mod, err := m.rt.Compile(ctx, b.bin)
		if err != nil {
			return nil, fmt.Errorf("compile built-in %s: %w", name, err)
		}
		b.pool = wasmpool.New(mod, m.svc, m.poolConfig(name))
	}
	return b.pool, nil
}

// Lookup implements snapshot.Modules.
func (m *modules) Lookup(ctx context.Context, name string, uploaded map[string]*store.WasmModule) (*wasmpool.Pool, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.builtins[name]; ok {
		p, err := m.builtinPool(ctx, name, b)
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
	for _, b := range m.builtins {
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

// crashes sums the crashed instances each module's pool retired, by module name.
func (m *modules) crashes() map[string]int {
	out := map[string]int{}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.builtins {
		if b.pool != nil {
			out[b.pool.Name()] += b.pool.Restarts()
		}
	}
	for _, p := range m.uploaded {
		out[p.Name()] += p.Restarts()
	}
	return out
}

// instances counts the running instances of each module.
func (m *modules) instances() map[string]int {
	out := map[string]int{}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.builtins {
		if b.pool != nil {
			out[b.pool.Name()] += b.pool.Started()
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
	for _, b := range m.builtins {
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
