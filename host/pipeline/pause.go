package pipeline

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-gateway/weir/abi"
)

// PauseTimeout bounds how long an exchange waits for a plugin that paused it (to wait
// for an HTTP call, say) to resume it. Past it the request gets 500 and the plugin's
// calls are dropped with its context.
var PauseTimeout = 60 * time.Second

// inbox serializes everything that happens to an exchange on the goroutine that runs
// it. A plugin may act on a stream from another goroutine: an HTTP call's answer
// arrives there, and a tick may resume a postponed request. Those actions are posted
// here and run by the exchange's goroutine between callbacks, or while it waits on a
// pause, so the pipeline never needs a lock around its request and response and a
// paused exchange is resumed by the goroutine that owns it.
//
// Its zero value is ready; the signal channel is made on first need, under mu, so an
// exchange that never pauses allocates nothing for it.
type inbox struct {
	mu     sync.Mutex
	queue  []func()
	signal chan struct{} // capacity 1: "something was posted"
	// posted is set, under mu, while queue may hold actions: drain runs after every
	// plugin callback and nearly always finds nothing, which it then tells without
	// taking the lock.
	posted atomic.Bool
}

// post queues f for the exchange's goroutine. Safe from any goroutine.
func (b *inbox) post(f func()) {
	b.mu.Lock()
	b.queue = append(b.queue, f)
	b.posted.Store(true)
	sig := b.signalLocked()
	b.mu.Unlock()
	select {
	case sig <- struct{}{}:
	default:
	}
}

func (b *inbox) signalLocked() chan struct{} {
	if b.signal == nil {
		b.signal = make(chan struct{}, 1)
	}
	return b.signal
}

// wakeups returns the channel post signals on.
func (b *inbox) wakeups() chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.signalLocked()
}

// drain runs what was posted, in order, including what the actions post themselves.
func (b *inbox) drain() {
	for b.posted.Load() {
		b.mu.Lock()
		q := b.queue
		b.queue = nil
		b.posted.Store(false)
		b.mu.Unlock()
		for _, f := range q {
			f()
		}
	}
}

// Async says whether the exchange took part in asynchronous work (a pause, an HTTP
// call). A front end must not reuse such an exchange for another request: an action
// posted late by another goroutine would land on the wrong request.
func (e *Exchange) Async() bool { return e.async }

// ContinueStream implements abi.StreamController: it resumes the paused exchange.
func (e *Exchange) ContinueStream(abi.StreamType) {
	e.box.post(func() { e.resumed = true })
}

// CloseStream implements abi.StreamController: Envoy resets the stream; weir ends the
// exchange and closes the client's connection without a response.
func (e *Exchange) CloseStream(abi.StreamType) {
	e.box.post(func() { e.reset, e.resumed = true, true })
}

// Reset says a plugin closed the stream: the front end drops the connection.
func (e *Exchange) Reset() bool { return e.reset }

// settle runs posted actions after a callback returned.
func (e *Exchange) settle() { e.box.drain() }

// waitResume blocks the exchange's goroutine while a plugin holds it paused, running
// posted actions (call answers, resumptions) as they come, until one resumes the
// exchange, answers it locally, or closes it. It reports false on timeout or when ctx
// ends.
func (e *Exchange) waitResume(ctx context.Context) bool {
	e.async = true
	b := &e.box
	wake := b.wakeups()
	timer := time.NewTimer(PauseTimeout)
	defer timer.Stop()
	for {
		b.drain()
		if e.resumed || e.local != nil || e.reset {
			e.resumed = false
			return true
		}
		select {
		case <-wake:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

var _ abi.StreamController = (*Exchange)(nil)
