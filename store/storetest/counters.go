package storetest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store"
)

// RunCounters checks a store's rate-limiting counters (store.Counters): batches apply
// in order, each increment sees its own exact value under concurrency, windows are
// separate counters, and expired windows are purged. The store must implement
// store.Counters; the suite closes it.
func RunCounters(t *testing.T, open Opener) {
	ctx := context.Background()
	counters := func(t *testing.T) store.Counters {
		s := open(t)
		t.Cleanup(func() { s.Close() })
		c, ok := s.(store.Counters)
		if !ok {
			t.Fatalf("%T does not implement store.Counters", s)
		}
		return c
	}
	start := time.Now().UTC().Truncate(time.Hour)
	key := func(k, period string, start time.Time) store.CounterKey {
		return store.CounterKey{Key: k, Period: period, Start: start, Expires: start.Add(time.Hour)}
	}

	t.Run("BatchInOrder", func(t *testing.T) {
		c := counters(t)
		a, b := key("a", "hour", start), key("b", "hour", start)
		got, err := c.IncrementCounters(ctx, []store.CounterIncrement{
			{Keys: []store.CounterKey{a, b}, Delta: 1},
			{Keys: []store.CounterKey{a}, Delta: 2},
			{Keys: []store.CounterKey{b, a}, Delta: 1},
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := "[[1 1] [3] [2 4]]"; fmt.Sprint(got) != want {
			t.Fatalf("values %v, want %s", got, want)
		}
		other := key("a", "hour", start.Add(-time.Hour))
		got, err = c.IncrementCounters(ctx, []store.CounterIncrement{{Keys: []store.CounterKey{a, other, key("a", "minute", start)}, Delta: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if want := "[[5 1 1]]"; fmt.Sprint(got) != want {
			t.Fatalf("values %v, want %s: windows and periods are separate counters", got, want)
		}
	})

	t.Run("ExactUnderConcurrency", func(t *testing.T) {
		c := counters(t)
		k := key("hot", "day", start)
		const workers, each = 8, 25
		var mu sync.Mutex
		var seen []int64
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					got, err := c.IncrementCounters(ctx, []store.CounterIncrement{{Keys: []store.CounterKey{k}, Delta: 1}, {Keys: []store.CounterKey{k}, Delta: 1}})
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					seen = append(seen, got[0][0], got[1][0])
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		sort.Slice(seen, func(i, j int) bool { return seen[i] < seen[j] })
		for i, v := range seen {
			if v != int64(i+1) {
				t.Fatalf("values seen %v...: want each of 1..%d exactly once", seen[:min(len(seen), i+3)], workers*each*2)
			}
		}
	})

	t.Run("PurgeExpired", func(t *testing.T) {
		c := counters(t)
		old := key("p", "hour", start.Add(-2*time.Hour))
		cur := key("p", "hour", start)
		if _, err := c.IncrementCounters(ctx, []store.CounterIncrement{{Keys: []store.CounterKey{old, cur}, Delta: 3}}); err != nil {
			t.Fatal(err)
		}
		if err := c.PurgeCounters(ctx, start); err != nil {
			t.Fatal(err)
		}
		got, err := c.IncrementCounters(ctx, []store.CounterIncrement{{Keys: []store.CounterKey{old, cur}, Delta: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if want := "[[1 4]]"; fmt.Sprint(got) != want {
			t.Fatalf("values %v, want %s: the expired window starts again, the current one is kept", got, want)
		}
	})
}
