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

// TestGuestNames: a name is found again by its address while the bytes there are the
// same, and read again when they changed or another name took the slot.
func TestGuestNames(t *testing.T) {
	var g guestNames
	var names nameCache
	for _, tc := range []struct {
		ptr       uint32
		raw, want string
	}{
		{100, "X-RateLimit-Limit-Hour", "x-ratelimit-limit-hour"},
		{100, "X-RateLimit-Limit-Hour", "x-ratelimit-limit-hour"},
		{100, "ratelimit-reset", "ratelimit-reset"}, // other bytes at the same address
		{104, "content-type", "content-type"},
		{100, "ratelimit-reset", "ratelimit-reset"},
		{4096, "Retry-After", "retry-after"},
	} {
		if got := g.name(tc.ptr, []byte(tc.raw), &names); got != tc.want {
			t.Errorf("name(%d, %q) = %q, want %q", tc.ptr, tc.raw, got, tc.want)
		}
	}
	for i := range uint32(2 * guestNameEntries) { // more addresses than entries
		name := []byte("x-name-" + strconv.Itoa(int(i)))
		if got := g.name(1000+i, name, &names); got != string(name) {
			t.Errorf("name(%d, %q) = %q", 1000+i, name, got)
		}
	}
	raw := []byte("x-ratelimit-remaining-hour")
	g.name(200, raw, &names)
	if allocs := testing.AllocsPerRun(100, func() { _ = g.name(200, raw, &names) }); allocs != 0 {
		t.Errorf("a name kept allocated %.0f times", allocs)
	}
}
