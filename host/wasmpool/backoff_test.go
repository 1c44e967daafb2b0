package wasmpool

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 5 * time.Second}
	tests := []struct {
		crashes int
		want    time.Duration
	}{
		{1, 0},
		{2, time.Second},
		{3, 2 * time.Second},
		{4, 4 * time.Second},
		{5, 5 * time.Second},
		{60, 5 * time.Second},
	}
	for _, tt := range tests {
		if got := b.delay(tt.crashes); got != tt.want {
			t.Errorf("delay(%d) = %v, want %v", tt.crashes, got, tt.want)
		}
	}
}
