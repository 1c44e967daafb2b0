package pipeline

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestGatewayFields: reading and setting the gateway's fields by position leaves the
// map as Headers.Value and Headers.Set do, whatever fields it holds, repeated or not,
// and however often a field is set; on requests and on responses.
func TestGatewayFields(t *testing.T) {
	for _, kind := range []struct {
		names  []string
		fields func(*Headers) *gatewayFields
	}{{forwardedNames[:], forwardedFields}, {respondedNames[:], respondedFields}} {
		testGatewayFields(t, kind.names, kind.fields)
	}
}

func testGatewayFields(t *testing.T, names []string, fields func(*Headers) *gatewayFields) {
	vocabulary := append(slices.Clone(names), ":method", ":path", "accept", "user-agent", "x-other")
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 2000 {
		var want Headers
		for range r.IntN(12) {
			want.Add(vocabulary[r.IntN(len(vocabulary))], string(rune('a'+r.IntN(26))))
		}
		got := Headers{pairs: slices.Clone(want.pairs)}
		f := fields(&got)
		for op := range r.IntN(16) {
			field := r.IntN(len(names))
			name := names[field]
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
