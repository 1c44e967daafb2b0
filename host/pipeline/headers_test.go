package pipeline

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/abi"
)

func TestHeaders(t *testing.T) {
	tests := []struct {
		name string
		do   func(h *Headers)
		want [][2]string
	}{
		{"add keeps repeats", func(h *Headers) { h.Add("X-A", "2") }, [][2]string{{"x-a", "1"}, {"b", "x"}, {"x-a", "3"}, {"x-a", "2"}}},
		{"set replaces all in place of first", func(h *Headers) { h.Set("x-a", "9") }, [][2]string{{"x-a", "9"}, {"b", "x"}}},
		{"set adds when absent", func(h *Headers) { h.Set("C", "c") }, [][2]string{{"x-a", "1"}, {"b", "x"}, {"x-a", "3"}, {"c", "c"}}},
		{"set in another case replaces", func(h *Headers) { h.Set("X-A", "9") }, [][2]string{{"x-a", "9"}, {"b", "x"}}},
		{"remove drops all", func(h *Headers) { h.Remove("X-A") }, [][2]string{{"b", "x"}}},
		{"remove absent is fine", func(h *Headers) { h.Remove("nope") }, [][2]string{{"x-a", "1"}, {"b", "x"}, {"x-a", "3"}}},
		{"remove any", func(h *Headers) { h.RemoveAny([]string{"b", "nope", "x-a"}) }, [][2]string{}},
		{"remove any keeps the rest", func(h *Headers) { h.RemoveAny([]string{"b"}) }, [][2]string{{"x-a", "1"}, {"x-a", "3"}}},
		{"remove any absent", func(h *Headers) { h.RemoveAny([]string{"c"}) }, [][2]string{{"x-a", "1"}, {"b", "x"}, {"x-a", "3"}}},
		{"set pairs lower-cases", func(h *Headers) { h.SetPairs([][2]string{{"K", "v"}}) }, [][2]string{{"k", "v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Headers{pairs: [][2]string{{"x-a", "1"}, {"b", "x"}, {"x-a", "3"}}}
			tt.do(h)
			if !reflect.DeepEqual(h.Pairs(), tt.want) {
				t.Fatalf("got %v, want %v", h.Pairs(), tt.want)
			}
		})
	}
	h := &Headers{pairs: [][2]string{{"x-a", "1"}, {"x-a", "3"}}}
	if v, ok := h.Get("X-A"); !ok || v != "1" {
		t.Fatalf("Get = %q %v", v, ok)
	}
	if v, ok := h.Get("X-B"); ok {
		t.Fatalf("Get(absent, another case) = %q %v", v, ok)
	}
	if got := h.Values("x-a"); !reflect.DeepEqual(got, []string{"1", "3"}) {
		t.Fatalf("Values = %v", got)
	}
	// A name with bytes outside ASCII is found under the key a front end stored.
	h.AddLower(abi.HeaderName([]byte("X-\xc3\x84")), "odd")
	if v := h.Value("X-\xc3\x84"); v != "odd" {
		t.Fatalf("Value(non-ASCII name) = %q", v)
	}
	if n := testing.AllocsPerRun(100, func() { _ = h.Value("x-a") }); n != 0 {
		t.Errorf("a lower-case lookup allocated %.0f times", n)
	}
}

// TestHeadersGrow: a map grown for n fields takes them without allocating. Grow's own
// allocations are counted apart: one, or two in the race detector's build, which
// makes the room it appends separately.
func TestHeadersGrow(t *testing.T) {
	var h Headers
	grow := testing.AllocsPerRun(100, func() {
		h = Headers{}
		h.Grow(8)
	})
	fill := testing.AllocsPerRun(100, func() {
		h = Headers{}
		h.Grow(8)
		for range 8 {
			h.AddLower("x-a", "1")
		}
	})
	if fill != grow || grow > 2 {
		t.Errorf("Grow(8) allocated %.0f times, and with 8 fields after it %.0f", grow, fill)
	}
}

// TestSetOrRemove: the one-pass path gives what applying each change with Set or
// Remove gives, whether the map holds none of the keys, one, or repeats of one.
func TestSetOrRemove(t *testing.T) {
	changes := []fieldChange{{key: "x-a", value: "1"}, {key: "x-b", remove: true}, {key: "x-c", value: "3"}}
	for _, pairs := range [][][2]string{
		nil,
		{{"host", "h"}, {"accept", "*/*"}},
		{{"x-b", "old"}, {"host", "h"}},
		{{"x-a", "old"}, {"host", "h"}, {"x-a", "older"}},
		{{"x-c", "old"}, {"x-b", "1"}, {"x-b", "2"}},
	} {
		got := &Headers{pairs: slices.Clone(pairs)}
		got.setOrRemove(changes)
		want := &Headers{pairs: slices.Clone(pairs)}
		for _, c := range changes {
			if c.remove {
				want.Remove(c.key)
			} else {
				want.Set(c.key, c.value)
			}
		}
		if !reflect.DeepEqual(got.Pairs(), want.Pairs()) {
			t.Errorf("from %v: got %v, want %v", pairs, got.Pairs(), want.Pairs())
		}
	}
}

// TestRemoveAnyAsRemove: RemoveAny drops what Remove for each key drops, for keys of
// every length, long ones (past the length test's range) included.
func TestRemoveAnyAsRemove(t *testing.T) {
	long := strings.Repeat("l", 63)
	names := []string{"a", "b", "te", "upgrade", "keep-alive", "connection", long, long + "x", long + "y"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		var pairs [][2]string
		for range r.IntN(8) {
			pairs = append(pairs, [2]string{names[r.IntN(len(names))], "v"})
		}
		var keys []string
		for range r.IntN(4) {
			keys = append(keys, names[r.IntN(len(names))])
		}
		got, want := &Headers{pairs: slices.Clone(pairs)}, &Headers{pairs: slices.Clone(pairs)}
		got.RemoveAny(keys)
		for _, k := range keys {
			want.Remove(k)
		}
		if !slices.Equal(got.Pairs(), want.Pairs()) {
			t.Fatalf("RemoveAny(%q) of %v = %v, want %v", keys, pairs, got.Pairs(), want.Pairs())
		}
	}
}

// TestSetFieldsAsSet: SetFields gives what Set for each field in order gives, whether
// the map holds some of the names or none, and with names repeated among the fields.
func TestSetFieldsAsSet(t *testing.T) {
	long := strings.Repeat("l", 63)
	names := []string{"a", "b", "te", "x-ratelimit-limit-minute", "ratelimit-reset", long, long + "x"}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 500 {
		var pairs, fields [][2]string
		for range r.IntN(6) {
			pairs = append(pairs, [2]string{names[r.IntN(len(names))], "old"})
		}
		for j := range 1 + r.IntN(5) {
			fields = append(fields, [2]string{names[r.IntN(len(names))], strings.Repeat("v", i%3+j)})
		}
		got, want := &Headers{pairs: slices.Clone(pairs)}, &Headers{pairs: slices.Clone(pairs)}
		got.SetFields(fields)
		for _, f := range fields {
			want.Set(f[0], f[1])
		}
		if !slices.Equal(got.Pairs(), want.Pairs()) {
			t.Fatalf("SetFields(%q) of %v = %v, want %v", fields, pairs, got.Pairs(), want.Pairs())
		}
	}
}
