package wasmpool

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-gateway/weir/abi"
)

// reviveTimeout bounds a background replacement: instantiation plus the root contexts.
const reviveTimeout = 30 * time.Second

// Slot is one place in the pool: an instance (replaced when it crashes) and its roots.
type Slot struct {
	pool *Pool
	// down is set while a crashed instance waits for its replacement; Pick reads it
	// without the lock.
	down atomic.Bool
	// warming is set while a newly started slot makes its instance and roots; Pick
	// passes over it. active counts the HTTP contexts open on it, Pick's load measure.
	warming atomic.Bool
	active  atomic.Int32

	mu    sync.Mutex
	inst  *abi.Instance
	born  time.Time
	roots map[string]*root
	// known keeps the config of every root made here, so a replacement instance can
	// recreate the live ones before requests need them.
	known   map[string]*Plugin
	seenGen uint64
	// recent holds the roots of the last plugins opened here, by the Plugin's
	// address: every plugin of every request finds its root, and comparing addresses
	// costs less than hashing its key into roots. A dropped root is looked up again.
	recent     [recentRoots]recentRoot
	recentNext int
	restarts   map[string]int // crashed instances retired, by the plugin that failed
	crashes    int            // crashes in a row, for the backoff
	retryAt    time.Time
	timer      *time.Timer
	closed     bool
}

// recentRoots is how many plugins' roots a slot finds by address.
const recentRoots = 8

type recentRoot struct {
	plugin *Plugin
	r      *root
}

type root struct {
	root *abi.Root
	refs int
	// dropped is set when the root leaves the slot's map (closed, or gone with its
	// instance); liveAt is the pool generation at which its key was last seen live.
	// Both spare release a lookup of the key on every request.
	dropped bool
	liveAt  uint64
}

func newSlot(p *Pool) *Slot {
	return &Slot{pool: p, roots: map[string]*root{}, known: map[string]*Plugin{}, restarts: map[string]int{}}
}

// Open opens hc, storage the caller keeps (abi.Instance.OpenHTTP), as an HTTP context
// for plugin on this slot's instance, creating the plugin's root context there if
// needed. Release the lease when the request is done with it.
func (s *Slot) Open(ctx context.Context, plugin *Plugin, stream abi.HTTPStream, hc *abi.HTTPContext) (Lease, error) {
	_, lease, err := openContext(ctx, s, plugin, "http", func(inst *abi.Instance, r *abi.Root) (*abi.HTTPContext, error) {
		return hc, inst.OpenHTTP(ctx, r, stream, hc)
	})
	return lease, err
}

// openContext creates a stream context (HTTP or network) for plugin with create, on
// the slot's instance and under the plugin's root context, made if needed; the root
// is held until the lease is released.
func openContext[C any](ctx context.Context, s *Slot, plugin *Plugin, kind string, create func(*abi.Instance, *abi.Root) (C, error)) (c C, lease Lease, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, err := s.instanceLocked(ctx)
	if err != nil {
		return c, lease, fmt.Errorf("plugin %s: %w", plugin.Name, err)
	}
	s.pruneLocked(ctx)
	r, err := s.rootLocked(ctx, inst, plugin)
	if err != nil {
		s.checkLocked(ctx)
		return c, lease, err
	}
	if c, err = create(inst, r.root); err != nil {
		s.checkLocked(ctx)
		return c, lease, fmt.Errorf("plugin %s: new %s context: %w", plugin.Name, kind, err)
	}
	r.refs++
	s.active.Add(1)
	return c, Lease{s: s, key: plugin.Key, r: r}, nil
}

// Lease is a stream context's hold on its slot and its plugin's root context. It is
// a value, not a closure: every plugin of every request takes one.
type Lease struct {
	s   *Slot
	key string
	r   *root
}

// Release gives the hold back, once the stream context is finished. ctx must outlive
// the request's cancellation (context.WithoutCancel): a root the newest configuration
// no longer uses may be closed here.
func (l Lease) Release(ctx context.Context) { l.s.release(ctx, l.key, l.r) }

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
			s.checkLocked(ctx)
			return err
		}
	}
	return nil
}

// instanceLocked returns a healthy instance: the current one, or a new one when the
// slot has none and its backoff has passed.
func (s *Slot) instanceLocked(ctx context.Context) (*abi.Instance, error) {
	if s.closed {
		return nil, ErrClosed
	}
	s.checkLocked(ctx)
	if s.inst != nil {
		return s.inst, nil
	}
	if wait := time.Until(s.retryAt); wait > 0 {
		return nil, fmt.Errorf("%w: next attempt in %v", ErrUnavailable, wait.Round(time.Millisecond))
	}
	inst, err := s.pool.module.NewInstance(ctx, s.pool.svc, abi.InstanceConfig{VMID: s.pool.cfg.Name})
	if err != nil {
		s.crashedLocked(fmt.Sprintf("start failed: %v", err))
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	s.inst, s.born = inst, time.Now()
	s.down.Store(false)
	return inst, nil
}

// checkLocked retires the instance if it has failed.
func (s *Slot) checkLocked(ctx context.Context) {
	if s.inst != nil && !s.inst.Healthy() {
		lived := time.Since(s.born)
		s.restarts[s.inst.FailedIn()]++
		s.retireLocked(ctx)
		if lived >= s.pool.cfg.Backoff.Reset {
			s.crashes = 0
		}
		s.crashedLocked(fmt.Sprintf("instance crashed after %v", lived.Round(time.Millisecond)))
	}
}

// crashedLocked counts a crash (or a failed start), sets the time before which no new
// instance is made, and schedules the replacement then.
func (s *Slot) crashedLocked(why string) {
	s.crashes++
	wait := s.pool.cfg.Backoff.delay(s.crashes)
	s.retryAt = time.Now().Add(wait)
	s.down.Store(true)
	s.pool.log(abi.LogError, fmt.Sprintf("wasm %s; replacing it in %v (crash %d in a row)", why, wait, s.crashes))
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timer = time.AfterFunc(wait, s.revive)
}

// revive replaces a crashed instance in the background and recreates the root
// contexts of the live plugins it held, so requests find it warm.
func (s *Slot) revive() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.inst != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), reviveTimeout)
	defer cancel()
	inst, err := s.instanceLocked(ctx)
	if err != nil {
		return // logged, and rescheduled, by crashedLocked
	}
	for key, p := range s.known {
		if !s.pool.isLive(key) {
			delete(s.known, key)
			continue
		}
		if _, err := s.rootLocked(ctx, inst, p); err != nil {
			s.pool.log(abi.LogError, fmt.Sprintf("wasm replacement: %v", err))
			s.checkLocked(ctx)
			return
		}
	}
}

// retireLocked drops the instance and every root in it; a failed instance's roots are
// gone with it, so they are not closed one by one.
func (s *Slot) retireLocked(ctx context.Context) {
	if s.inst == nil {
		return
	}
	healthy := s.inst.Healthy()
	for _, r := range s.roots {
		if healthy {
			r.root.Close(ctx)
		}
		r.dropped = true
	}
	_ = s.inst.Close(ctx)
	s.inst = nil
	s.roots = map[string]*root{}
	clear(s.recent[:]) // the roots would hold the closed instance until overwritten
}

func (s *Slot) rootLocked(ctx context.Context, inst *abi.Instance, plugin *Plugin) (*root, error) {
	for i := range s.recent {
		if e := &s.recent[i]; e.plugin == plugin && !e.r.dropped {
			return e.r, nil
		}
	}
	if r, ok := s.roots[plugin.Key]; ok {
		s.remember(plugin, r)
		return r, nil
	}
	rootID := ""
	if s.pool.cfg.NamedRoots {
		rootID = plugin.Name
	}
	ar, err := inst.NewRoot(ctx, plugin.Name, rootID, plugin.Config)
	if err != nil {
		// not remembered: a config that fails to configure must not make every
		// replacement instance fail again
		delete(s.known, plugin.Key)
		return nil, fmt.Errorf("plugin %s: configure: %w", plugin.Name, err)
	}
	s.known[plugin.Key] = plugin
	r := &root{root: ar, liveAt: notSeenLive}
	s.roots[plugin.Key] = r
	s.remember(plugin, r)
	return r, nil
}

// remember makes r the root found for plugin by its address, in place of the
// oldest remembered.
func (s *Slot) remember(plugin *Plugin, r *root) {
	s.recent[s.recentNext] = recentRoot{plugin, r}
	s.recentNext = (s.recentNext + 1) % recentRoots
}

// pruneLocked closes idle roots the newest snapshot no longer uses.
func (s *Slot) pruneLocked(ctx context.Context) {
	gen := s.pool.gen.Load()
	if gen == s.seenGen {
		return
	}
	s.seenGen = gen
	for key, r := range s.roots {
		if r.refs == 0 && !s.pool.isLive(key) {
			s.dropLocked(ctx, key, r)
		}
	}
}

// release ends a request's hold on a root. A crash during the request is noticed here,
// so the replacement starts without waiting for the next request.
func (s *Slot) release(ctx context.Context, key string, r *root) {
	s.active.Add(-1)
	s.mu.Lock()
	defer s.mu.Unlock()
	r.refs--
	s.checkLocked(ctx)
	if r.refs > 0 || r.dropped {
		return
	}
	// the generation is read before the live set: a change between the two makes
	// the next release look again
	gen := s.pool.gen.Load()
	if r.liveAt == gen {
		return
	}
	if !s.pool.isLive(key) {
		s.dropLocked(ctx, key, r)
		return
	}
	r.liveAt = gen
}

// notSeenLive is a root's liveAt before its key was first seen live: no generation.
const notSeenLive = ^uint64(0)

// dropLocked closes a root no request holds and forgets it.
func (s *Slot) dropLocked(ctx context.Context, key string, r *root) {
	r.root.Close(ctx)
	r.dropped = true
	delete(s.roots, key)
	delete(s.known, key)
}

func (s *Slot) close(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.retireLocked(ctx)
}

// Restarts counts how many crashed instances this slot retired.
func (s *Slot) Restarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.restarts {
		n += c
	}
	return n
}
