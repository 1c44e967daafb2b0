// Package wasmpool keeps warm instances of one compiled proxy-wasm module and the root
// contexts of the plugin configs that use it.
//
// An instance is single-threaded, so a module runs in a pool of them. A request is pinned
// to one instance per module for its whole life (its HTTP contexts live there); many
// requests interleave on one instance, as on an Envoy worker. Each plugin config is a root
// context, created in an instance the first time a request there needs it, and closed
// once no snapshot refers to it and no request still uses it. An instance that crashes
// (trap, deadline, memory exhaustion) is retired and replaced in the background, with
// the rate limit Backoff describes.
package wasmpool

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/weir-gateway/weir/abi"
)

// Plugin is one plugin config as a root context needs it.
type Plugin struct {
	// Key identifies the config: the same key in a later snapshot means the same root
	// context can serve it.
	Key    string
	Name   string
	Config []byte
}

// Config sizes and names a pool.
type Config struct {
	// Name names the module in log lines.
	Name string
	// Size is the number of instances; below 1 means 1.
	Size int
	// Backoff rate-limits replacing crashed instances; zero means DefaultBackoff.
	Backoff Backoff
	// NamedRoots gives each root context the plugin's name as its root id, for a
	// module that carries several plugins and serves each root context by its root id
	// (weir's built-in bundle). Otherwise every root id is "", the default root.
	NamedRoots bool
}

// Errors a slot answers instead of an HTTP context.
var (
	// ErrStart says an instance could not be started.
	ErrStart = errors.New("wasm instance did not start")
	// ErrUnavailable says the slot's instance crashed and its replacement is waiting
	// for the crash backoff.
	ErrUnavailable = errors.New("wasm instance unavailable after a crash")
	// ErrClosed says the pool was closed.
	ErrClosed = errors.New("wasm pool closed")
)

// Pool is the set of instances of one module.
type Pool struct {
	module *abi.Module
	svc    abi.Services
	cfg    Config
	slots  []*Slot
	next   atomic.Uint32
	// started is how many of slots are in use. A pool starts with one instance and
	// grows towards Size when requests find every started instance busy, so a module
	// that sees little traffic costs one instance, not one per core.
	started atomic.Int32
	// plugins are the live configs Prepare was last given, to warm a slot as it starts.
	plugins atomic.Pointer[[]*Plugin]
	// live is the set of plugin keys the current snapshot uses; gen counts its changes.
	live atomic.Pointer[map[string]bool]
	gen  atomic.Uint64
}

// New makes a pool of instances of module; instances start on first use (or Prepare).
func New(module *abi.Module, svc abi.Services, cfg Config) *Pool {
	cfg.Size = max(cfg.Size, 1)
	if cfg.Backoff == (Backoff{}) {
		cfg.Backoff = DefaultBackoff
	}
	p := &Pool{module: module, svc: svc, cfg: cfg, slots: make([]*Slot, cfg.Size)}
	for i := range p.slots {
		p.slots[i] = newSlot(p)
	}
	empty := map[string]bool{}
	p.live.Store(&empty)
	p.plugins.Store(&[]*Plugin{})
	p.started.Store(1)
	return p
}

// Name is the module's name, as Config gave it.
func (p *Pool) Name() string { return p.cfg.Name }

// Module is the compiled module the pool runs.
func (p *Pool) Module() *abi.Module { return p.module }

// SetLive tells the pool which plugin keys the newest snapshot uses. Root contexts of
// other keys are closed as soon as no request holds them.
func (p *Pool) SetLive(keys map[string]bool) {
	p.live.Store(&keys)
	p.gen.Add(1)
}

func (p *Pool) isLive(key string) bool { return (*p.live.Load())[key] }

// Prepare starts the instances in use and creates the root contexts of plugins in each,
// so the requests after a start or a configuration change do not pay for them. Slots
// started later are warmed with the same plugins.
func (p *Pool) Prepare(ctx context.Context, plugins []*Plugin) error {
	p.plugins.Store(&plugins)
	var errs []error
	for _, s := range p.slots[:p.started.Load()] {
		if err := s.prepare(ctx, plugins); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Pick chooses the instance a request is pinned to: the started instance with the
// fewest open HTTP contexts, passing over one that waits to replace a crashed instance
// or is still warming up. When even the least busy one has work, or none can serve,
// the pool starts its next instance in the background (up to Size).
func (p *Pool) Pick() *Slot {
	n := int(p.started.Load())
	start := int(p.next.Add(1))
	var best *Slot
	for k := 0; k < n; k++ {
		s := p.slots[(start+k)%n]
		if s.down.Load() || s.warming.Load() {
			continue
		}
		if best == nil || s.active.Load() < best.active.Load() {
			best = s
		}
	}
	var grown *Slot
	if best == nil || best.active.Load() > 0 {
		grown = p.grow()
	}
	if best != nil {
		return best
	}
	for k := 0; k < n; k++ { // none is ready: any that is not down will serve after its warm-up
		if s := p.slots[(start+k)%n]; !s.down.Load() {
			return s
		}
	}
	if grown != nil {
		return grown
	}
	return p.slots[start%n]
}

// grow starts the next slot and warms it in the background; nil when the pool is full.
func (p *Pool) grow() *Slot {
	n := p.started.Load()
	if int(n) >= len(p.slots) || !p.started.CompareAndSwap(n, n+1) {
		return nil
	}
	s := p.slots[n]
	s.warming.Store(true)
	go func() {
		defer s.warming.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), reviveTimeout)
		defer cancel()
		if err := s.prepare(ctx, *p.plugins.Load()); err != nil {
			p.log(abi.LogError, fmt.Sprintf("wasm instance %d did not warm up: %v", n+1, err))
		}
	}()
	return s
}

// Started is how many instances the pool uses now.
func (p *Pool) Started() int { return int(p.started.Load()) }

// Restarts counts the crashed instances the pool retired.
func (p *Pool) Restarts() int {
	n := 0
	for _, c := range p.RestartsByPlugin() {
		n += c
	}
	return n
}

// RestartsByPlugin counts the crashed instances the pool retired by the plugin whose
// callback failed ("" when none was running: a failed start, say).
func (p *Pool) RestartsByPlugin() map[string]int {
	out := map[string]int{}
	for _, s := range p.slots {
		s.mu.Lock()
		for plugin, c := range s.restarts {
			out[plugin] += c
		}
		s.mu.Unlock()
	}
	return out
}

// Close closes every instance and stops pending replacements. Requests still running
// on them fail.
func (p *Pool) Close(ctx context.Context) {
	for _, s := range p.slots {
		s.close(ctx)
	}
}

// log reports a pool event in the gateway's log, under the module's name.
func (p *Pool) log(level abi.LogLevel, msg string) {
	p.svc.Log(p.cfg.Name, level, msg)
}
