package abi

import (
	"testing"
	"time"
)

// TestWatchdog checks the callback deadline's scanner: callbacks that return in time,
// however many, never expire the instance's context, and one that overruns does.
func TestWatchdog(t *testing.T) {
	ws := newWatchdogs(20 * time.Millisecond)
	defer ws.close()
	ctx := newCallContext(nil)
	w := newWatchdog(ctx, 20*time.Millisecond)
	ws.add(w)
	for range 1000 {
		w.start()
		w.stop()
	}
	time.Sleep(50 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatal("expired without an overrunning callback")
	}
	w.start()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("an overrunning callback was not stopped")
	}
	if ctx.Err() == nil {
		t.Fatal("Err is nil after expiry")
	}
}
