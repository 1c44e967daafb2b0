package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/weir-gateway/weir/abi"
)

// TestPausedExchangeResumesFromAnotherGoroutine: actions posted from elsewhere run on
// the waiting goroutine, in order, and a continue ends the wait.
func TestPausedExchangeResumesFromAnotherGoroutine(t *testing.T) {
	tests := []struct {
		name    string
		act     func(e *Exchange)
		resumed bool
		local   bool
		reset   bool
	}{
		{"continue", func(e *Exchange) { e.ContinueStream(abi.StreamHTTPRequest) }, true, false, false},
		{"local response", func(e *Exchange) { e.SendLocalResponse(abi.LocalResponse{Status: 403}) }, true, true, false},
		{"close", func(e *Exchange) { e.CloseStream(abi.StreamHTTPRequest) }, true, false, true},
		{"nothing", func(*Exchange) {}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Exchange{}
			saw := 0
			go func() {
				time.Sleep(10 * time.Millisecond)
				e.box.post(func() { saw++ })
				tt.act(e)
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if got := e.waitResume(ctx); got != tt.resumed {
				t.Fatalf("waitResume = %v, want %v", got, tt.resumed)
			}
			if !tt.resumed {
				return
			}
			if saw != 1 || (e.local != nil) != tt.local || e.Reset() != tt.reset || !e.Async() {
				t.Fatalf("after the wait: saw=%d local=%v reset=%v async=%v", saw, e.local, e.Reset(), e.Async())
			}
		})
	}
}

// TestEarlyContinue: a continue posted before the wait (a plugin that resumed in the
// callback that paused) is not lost.
func TestEarlyContinue(t *testing.T) {
	e := &Exchange{}
	e.ContinueStream(abi.StreamHTTPRequest)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if !e.waitResume(ctx) {
		t.Fatal("an early continue was lost")
	}
}
