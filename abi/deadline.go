package abi

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// callContext is the context every guest call of one instance runs under. When a
// callback outlives the callback deadline the watchdog expires it: the interrupt
// global stops the guest at its next loop iteration (interrupt.go), and Err reports
// the deadline. One value per instance, made once, replaces a
// context.WithTimeout and a context.WithValue per call (a timer, a goroutine-safe
// cancel tree and four allocations each time). It also carries the instance to the
// host functions (Value(instanceKey{})). Cancellation of the caller's context does not
// reach a guest call: the callback deadline is its only limit.
type callContext struct {
	inst    *Instance
	done    chan struct{}
	expired atomic.Bool
	once    sync.Once
	// interrupt is the global weir's loop checks read (interrupt.go); setting it
	// stops the guest at its next loop iteration.
	interrupt api.MutableGlobal
}

func newCallContext(i *Instance) *callContext {
	return &callContext{inst: i, done: make(chan struct{})}
}

func (*callContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *callContext) Done() <-chan struct{}     { return c.done }

func (c *callContext) Err() error {
	if c.expired.Load() {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *callContext) Value(key any) any {
	if key == (instanceKey{}) {
		return c.inst
	}
	return nil
}

// expire ends the call in progress and every later one: the instance is retired.
func (c *callContext) expire() {
	c.once.Do(func() {
		c.expired.Store(true)
		if c.interrupt != nil {
			c.interrupt.Set(1)
		}
		close(c.done)
	})
}

// watchdog is one instance's callback deadline: the deadline of the callback in
// progress, 0 between callbacks. Starting and stopping a callback are two atomic
// stores; the runtime's watchdogs scanner expires overdue ones. A timer per callback
// (Reset and Stop) cost about as much as the rest of the host's work for a no-op
// callback, which is why the check is a scan.
type watchdog struct {
	timeout  time.Duration
	deadline atomic.Int64 // monotonic ns (since watchdogEpoch); 0 when idle
	ctx      *callContext
}

// watchdogEpoch is the origin of the monotonic clock the deadlines use.
var watchdogEpoch = time.Now()

func monotonicNow() int64 { return int64(time.Since(watchdogEpoch)) }

func newWatchdog(ctx *callContext, timeout time.Duration) *watchdog {
	return &watchdog{ctx: ctx, timeout: timeout}
}

// start arms the deadline for a callback and returns the monotonic time it started.
func (w *watchdog) start() int64 {
	now := monotonicNow()
	w.deadline.Store(now + int64(w.timeout))
	return now
}

// stop disarms it once the callback returned, and returns the monotonic time.
func (w *watchdog) stop() int64 {
	w.deadline.Store(0)
	return monotonicNow()
}

// check expires the instance's context if its callback is overdue.
func (w *watchdog) check(now int64) {
	if d := w.deadline.Load(); d != 0 && now > d {
		w.ctx.expire()
	}
}

// watchdogs scans the instances of a runtime for overdue callbacks every interval (a
// twentieth of the callback deadline, between 1 and 50 ms), so a deadline is enforced
// within that much of its time, at the cost of a few wake-ups a second.
type watchdogs struct {
	mu   sync.Mutex
	set  map[*watchdog]struct{}
	stop chan struct{}
	once sync.Once
}

func newWatchdogs(timeout time.Duration) *watchdogs {
	ws := &watchdogs{set: map[*watchdog]struct{}{}, stop: make(chan struct{})}
	interval := min(max(timeout/20, time.Millisecond), 50*time.Millisecond)
	go ws.run(interval)
	return ws
}

func (ws *watchdogs) run(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ws.stop:
			return
		case <-t.C:
			now := monotonicNow()
			ws.mu.Lock()
			for w := range ws.set {
				w.check(now)
			}
			ws.mu.Unlock()
		}
	}
}

func (ws *watchdogs) add(w *watchdog) {
	ws.mu.Lock()
	ws.set[w] = struct{}{}
	ws.mu.Unlock()
}

func (ws *watchdogs) remove(w *watchdog) {
	ws.mu.Lock()
	delete(ws.set, w)
	ws.mu.Unlock()
}

// instances lists the instances the scanner watches: every open instance.
func (ws *watchdogs) instances() []*Instance {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	out := make([]*Instance, 0, len(ws.set))
	for w := range ws.set {
		out = append(out, w.ctx.inst)
	}
	return out
}

// close stops the scanner.
func (ws *watchdogs) close() { ws.once.Do(func() { close(ws.stop) }) }
