package abi

import (
	"strings"
	"testing"
)

func TestMapGrowthCaps(t *testing.T) {
	full := &fakeMap{}
	for i := 0; i < MaxMapEntries; i++ {
		full.Add("k", "v")
	}
	big := &fakeMap{pairs: [][2]string{{"big", strings.Repeat("x", MaxMapBytes-10)}}}
	tests := []struct {
		name string
		m    *fakeMap
		k, v string
		add  bool
		want bool
	}{
		{"small add", &fakeMap{pairs: [][2]string{{"a", "1"}}}, "b", "2", true, true},
		{"add past the entry cap", full, "k", "v", true, false},
		{"set replaces, so it fits", &fakeMap{pairs: [][2]string{{"k", "v"}}}, "k", "w", false, true},
		{"add past the byte cap", big, "k", "0123456789", true, false},
		{"set of the big key itself fits", big, "big", "small", false, true},
		{"set of a new key past the entry cap", full, "other", "v", false, false},
		{"set replacing every field of a full map fits", full, "k", "w", false, true},
		{"set of another key past the byte cap", big, "k", "0123456789", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fits(tt.m, tt.k, tt.v, tt.add); got != tt.want {
				t.Fatalf("fits = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSpliceLenMatchesSplice(t *testing.T) {
	for _, c := range []struct{ start, size uint64 }{{0, 0}, {1 << 31, 0}, {0, 1 << 31}, {1, 1}, {2, 0}, {5, 9}} {
		got := spliceLen(3, c.start, c.size, 2)
		if want := uint64(len(splice([]byte("abc"), c.start, c.size, []byte("XY")))); got != want {
			t.Errorf("spliceLen(3, %d, %d, 2) = %d, splice made %d", c.start, c.size, got, want)
		}
	}
}
