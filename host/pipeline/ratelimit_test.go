package pipeline

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store"
)

// countingCounters is an in-memory store.Counters that records its batches.
type countingCounters struct {
	mu      sync.Mutex
	vals    map[string]int64
	batches []int
}

func (c *countingCounters) IncrementCounters(_ context.Context, incs []store.CounterIncrement) ([][]int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches = append(c.batches, len(incs))
	out := make([][]int64, len(incs))
	for i, inc := range incs {
		for _, k := range inc.Keys {
			c.vals[k.Key] += inc.Delta
			out[i] = append(out[i], c.vals[k.Key])
		}
	}
	time.Sleep(2 * time.Millisecond) // a database round trip
	return out, nil
}

func (c *countingCounters) PurgeCounters(context.Context, time.Time) error { return nil }

// TestCounterBatcherGroupCommit: concurrent increments share store calls, and each
// caller still gets the exact value its own increment produced.
func TestCounterBatcherGroupCommit(t *testing.T) {
	st := &countingCounters{vals: map[string]int64{}}
	b := &counterBatcher{store: st, lastPurge: time.Now()}
	const callers = 64
	var (
		mu   sync.Mutex
		seen []int64
		wg   sync.WaitGroup
	)
	start := make(chan struct{})
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			v, err := b.increment([]store.CounterKey{{Key: "k", Period: "hour"}})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen = append(seen, v[0])
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	sort.Slice(seen, func(i, j int) bool { return seen[i] < seen[j] })
	for i, v := range seen {
		if v != int64(i+1) {
			t.Fatalf("values %v: want each of 1..%d once", seen, callers)
		}
	}
	if len(st.batches) >= callers/4 {
		t.Errorf("%d store calls for %d increments (%v): want them batched", len(st.batches), callers, st.batches)
	}
	t.Logf("%d increments in %d store calls", callers, len(st.batches))
}

func TestWindowEnd(t *testing.T) {
	jan31 := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		period string
		start  time.Time
		want   time.Time
	}{
		{"day", jan31, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"month", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"year", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"second", jan31, jan31.Add(time.Second)},
	} {
		if got, ok := windowEnd(tc.period, tc.start); !ok || !got.Equal(tc.want) {
			t.Errorf("%s from %v: %v, want %v", tc.period, tc.start, got, tc.want)
		}
	}
	if _, ok := windowEnd("week", jan31); ok {
		t.Error("week accepted")
	}
}
