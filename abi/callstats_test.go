package abi

import (
	"slices"
	"sort"
	"testing"
)

func TestCallbackStatsBuckets(t *testing.T) {
	var s CallbackStats
	for _, ns := range []int64{500, 1000, 3000, 2_000_000, 9e9, -5} {
		s.observe(ns)
	}
	cum, sum, count := s.Histogram()
	if count != 6 {
		t.Fatalf("count %d", count)
	}
	if want := (500 + 1000 + 3000 + 2_000_000 + 9e9) / 1e9; sum != want {
		t.Fatalf("sum %v, want %v", sum, want)
	}
	// le=1µs holds 0, 500 ns and 1 µs; le=5µs adds 3 µs; le=2.5ms adds 2 ms; 9 s is
	// only in +Inf (count).
	at := func(bound float64) uint64 { return cum[slices.Index(CallbackBounds, bound)] }
	for bound, want := range map[float64]uint64{1e-6: 3, 2.5e-6: 3, 5e-6: 4, 1e-3: 4, 2.5e-3: 5, 5: 5} {
		if got := at(bound); got != want {
			t.Errorf("le=%g: %d, want %d", bound, got, want)
		}
	}
}

// TestCallbackStatsBucketOf: a duration lands in the bucket the smallest bound not
// below it in seconds names, at every bound and either side of it.
func TestCallbackStatsBucketOf(t *testing.T) {
	for _, b := range CallbackBounds {
		for _, ns := range []int64{int64(b*1e9) - 1, int64(b * 1e9), int64(b*1e9) + 1} {
			var s CallbackStats
			s.observe(ns)
			want := sort.SearchFloat64s(CallbackBounds, float64(ns)/1e9)
			if s.buckets[want].Load() != 1 {
				t.Errorf("%d ns: not in bucket %d (le=%v)", ns, want, CallbackBounds[min(want, len(CallbackBounds)-1)])
			}
		}
	}
}
