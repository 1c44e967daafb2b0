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

// Prepare starts every instance and creates the root contexts of plugins in each, so
// the requests after a start or a configuration change do not pay for them.
func (p *Pool) Prepare(ctx context.Context, plugins []*Plugin) error {
	var errs []error
	for _, s := range p.slots {
		if err := s.prepare(ctx, plugins); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Pick chooses the instance a request is pinned to, round-robin, passing over slots
// that wait to replace a crashed instance while another slot can serve.
func (p *Pool) Pick() *Slot {
	n := uint32(len(p.slots))
	start := p.next.Add(1)
	for k := uint32(0); k < n; k++ {
		if s := p.slots[(start+k)%n]; !s.down.Load() {
			return s
		}
	}
	return p.slots[start%n]
}

// Restarts counts the crashed instances the pool retired.
func (p *Pool) Restarts() int {
	n := 0
	for _, s := range p.slots {
		n += s.Restarts()
	}
	return n
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
