package abi

import (
	"math"
	"strconv"
	"testing"
)

// TestIntTexts: every value comes out in decimal, whichever values shared its slot
// before; a value seen again is neither formatted nor allocated again.
func TestIntTexts(t *testing.T) {
	var texts intTexts
	values := []int64{0, 1, -1, 9, 10, 99, 100, 1000000000, 999999999, math.MaxInt64, math.MinInt64, -42}
	for n := int64(999_990_000); n < 999_990_000+3*intTextSlots; n++ { // more than the slots: evictions
		values = append(values, n)
	}
	for round := range 2 {
		for _, n := range values {
			if got, want := texts.text(n), strconv.FormatInt(n, 10); got != want {
				t.Fatalf("round %d: text(%d) = %q", round, n, got)
			}
		}
	}
	const limit = 1000000000
	texts.text(limit)
	if allocs := testing.AllocsPerRun(100, func() { _ = texts.text(limit) }); allocs != 0 {
		t.Errorf("a value kept allocated %.0f times", allocs)
	}
}
