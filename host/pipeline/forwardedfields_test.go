package pipeline

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestForwardedFields: reading and setting the gateway's fields by position leaves the
// map as Headers.Value and Headers.Set do, whatever fields it holds, repeated or not,
// and however often a field is set.
func TestForwardedFields(t *testing.T) {
	vocabulary := append(forwardedNames[:], ":method", ":path", "accept", "user-agent", "x-other")
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 2000 {
		var want Headers
		for range r.IntN(12) {
			want.Add(vocabulary[r.IntN(len(vocabulary))], string(rune('a'+r.IntN(26))))
		}
		got := Headers{pairs: slices.Clone(want.pairs)}
		f := forwardedFields{h: &got}
		f.find()
		for op := range r.IntN(16) {
			field := r.IntN(forwardedCount)
			name := forwardedNames[field]
			if r.IntN(3) == 0 {
				if g, w := f.value(field), want.Value(name); g != w {
					t.Fatalf("round %d op %d: value of %s %q, Headers.Value %q", round, op, name, g, w)
				}
				continue
			}
			v := string(rune('A' + r.IntN(26)))
			f.set(field, v)
			want.Set(name, v)
			if !slices.Equal(got.pairs, want.pairs) {
				t.Fatalf("round %d op %d: set %s: %q, Headers.Set makes %q", round, op, name, got.pairs, want.pairs)
			}
		}
	}
}
