// Package wasmpool keeps warm instances of one compiled proxy-wasm module and the root
// contexts of the plugin configs that use it.
//
// An instance is single-threaded, so a module runs in a pool of them. A request is pinned
// to one instance per module for its whole life (its HTTP contexts live there); many
// requests interleave on one instance, as on an Envoy worker. Each plugin config is a root
// context, created in an instance the first time a request there needs it, and closed
// once no snapshot refers to it and no request still uses it.
package wasmpool

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

// Pool is the set of instances of one module.
type Pool struct {
	module *abi.Module
	svc    abi.Services
	slots  []*Slot
	next   atomic.Uint32
	// live is the set of plugin keys the current snapshot uses; gen counts its changes.
	live atomic.Pointer[map[string]bool]
	gen  atomic.Uint64
}

// New makes a pool of size instances of module; instances start on first use.
func New(module *abi.Module, svc abi.Services, size int) *Pool {
	if size < 1 {
		size = 1
	}
	p := &Pool{module: module, svc: svc, slots: make([]*Slot, size)}
	for i := range p.slots {
		p.slots[i] = &Slot{pool: p, roots: map[string]*root{}}
	}
	empty := map[string]bool{}
	p.live.Store(&empty)
	return p
}

// Module is the compiled module the pool runs.
func (p *Pool) Module() *abi.Module { return p.module }

// SetLive tells the pool which plugin keys the newest snapshot uses. Root contexts of
// other keys are closed as soon as no request holds them.
func (p *Pool) SetLive(keys map[string]bool) {
	p.live.Store(&keys)
	p.gen.Add(1)
}

// Prepare starts every instance and creates the root contexts of plugins in each, so
// the requests after a start or a configuration change do not pay for them.
func (p *Pool) Prepare(ctx context.Context, plugins []*Plugin) error {
	for _, s := range p.slots {
		if err := s.prepare(ctx, plugins); err != nil {
			return err
		}
	}
	return nil
}

// Pick chooses the instance a request is pinned to, round-robin.
func (p *Pool) Pick() *Slot {
	return p.slots[int(p.next.Add(1))%len(p.slots)]
}

// Close closes every instance. Requests still running on them fail.
func (p *Pool) Close(ctx context.Context) {
	for _, s := range p.slots {
		s.mu.Lock()
		s.retireLocked(ctx)
		s.mu.Unlock()
	}
}

// Slot is one place in the pool: an instance (replaced when it fails) and its roots.
type Slot struct {
	pool     *Pool
	mu       sync.Mutex
	inst     *abi.Instance
	roots    map[string]*root
	seenGen  uint64
	restarts int
}

type root struct {
	root *abi.Root
	refs int
}

// ErrStart says an instance could not be started.
var ErrStart = errors.New("wasm instance did not start")

// Open creates an HTTP context for plugin on this slot's instance, creating the
// plugin's root context there if needed. Call release when the request is done with it.
func (s *Slot) Open(ctx context.Context, plugin *Plugin, stream abi.HTTPStream) (hc *abi.HTTPContext, release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, err := s.instanceLocked(ctx)
	if err != nil {
		return nil, nil, err
	}
	s.pruneLocked(ctx)
	r, err := s.rootLocked(ctx, inst, plugin)
	if err != nil {
		return nil, nil, err
	}
	hc, err = inst.NewHTTP(ctx, r.root, stream)
	if err != nil {
		return nil, nil, fmt.Errorf("plugin %s: new http context: %w", plugin.Name, err)
	}
	r.refs++
	return hc, func() { s.release(context.WithoutCancel(ctx), plugin.Key, r) }, nil
}

func (s *Slot) prepare(ctx context.Context, plugins []*Plugin) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, err := s.instanceLocked(ctx)
	if err != nil {
		return err
	}
	s.pruneLocked(ctx)
	for _, p := range plugins {
		if _, err := s.rootLocked(ctx, inst, p); err != nil {
			return err
		}
	}
	return nil
}

// instanceLocked returns a healthy instance, replacing a failed one.
func (s *Slot) instanceLocked(ctx context.Context) (*abi.Instance, error) {
	if s.inst != nil && s.inst.Healthy() {
		return s.inst, nil
	}
	if s.inst != nil {
		s.retireLocked(ctx)
		s.restarts++
	}
	inst, err := s.pool.module.NewInstance(ctx, s.pool.svc, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	s.inst = inst
	return inst, nil
}

// retireLocked drops the instance and every root in it; a failed instance's roots are
// gone with it, so they are not closed one by one.
func (s *Slot) retireLocked(ctx context.Context) {
	if s.inst == nil {
		return
	}
	if s.inst.Healthy() {
		for _, r := range s.roots {
			r.root.Close(ctx)
		}
	}
	_ = s.inst.Close(ctx)
	s.inst = nil
	s.roots = map[string]*root{}
}

func (s *Slot) rootLocked(ctx context.Context, inst *abi.Instance, plugin *Plugin) (*root, error) {
	if r, ok := s.roots[plugin.Key]; ok {
		return r, nil
	}
	ar, err := inst.NewRoot(ctx, plugin.Name, "", plugin.Config)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: configure: %w", plugin.Name, err)
	}
	r := &root{root: ar}
	s.roots[plugin.Key] = r
	return r, nil
}

// pruneLocked closes idle roots the newest snapshot no longer uses.
func (s *Slot) pruneLocked(ctx context.Context) {
	gen := s.pool.gen.Load()
	if gen == s.seenGen {
		return
	}
	s.seenGen = gen
	live := *s.pool.live.Load()
	for key, r := range s.roots {
		if r.refs == 0 && !live[key] {
			r.root.Close(ctx)
			delete(s.roots, key)
		}
	}
}

func (s *Slot) release(ctx context.Context, key string, r *root) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.refs--
	if r.refs > 0 || s.roots[key] != r {
		return
	}
	if live := *s.pool.live.Load(); !live[key] {
		r.root.Close(ctx)
		delete(s.roots, key)
	}
}

// Restarts counts how many failed instances this slot replaced.
func (s *Slot) Restarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarts
}
