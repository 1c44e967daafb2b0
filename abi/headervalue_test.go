package abi

import (
	"encoding/binary"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// inCallback is a host call's view of an instance serving stream, as from inside a
// callback of the stream's HTTP context (left when the test ends).
func inCallback(t *testing.T, stream *fakeStream) hostCtx {
	t.Helper()
	inst, hc := setup(t, newRuntime(t, 0), fixture(t, "headers"), &fakeServices{ev: stream.ev}, "", stream)
	inst.call.current = hc.state
	t.Cleanup(func() { inst.call = callState{} })
	return hostCtx{inst: inst, mem: inst.guest.Memory()}
}

// TestHeaderValue: weir.header_value answers a header's field count and first value,
// for any case of the name, and refuses what it cannot read.
func TestHeaderValue(t *testing.T) {
	h := inCallback(t, newStream(&events{}, [2]string{"apikey", "k1"}, [2]string{"accept", "*/*"}, [2]string{"apikey", "k2"},
		[2]string{"x-one", "v"}, [2]string{"x-empty", ""}))
	args := func(t MapType, name string) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, uint32(t)), name...)
	}
	answer := func(n uint32, first string) string {
		return string(append(binary.LittleEndian.AppendUint32(nil, n), first...))
	}
	for _, tt := range []struct {
		name string
		args []byte
		want string
		st   Status
	}{
		{"repeated", args(MapRequestHeaders, "apikey"), answer(2, "k1"), StatusOK},
		{"once, name in another case", args(MapRequestHeaders, "X-One"), answer(1, "v"), StatusOK},
		{"empty value", args(MapRequestHeaders, "x-empty"), answer(1, ""), StatusOK},
		{"absent", args(MapRequestHeaders, "x-none"), answer(0, ""), StatusOK},
		{"another map", args(MapResponseHeaders, "apikey"), answer(0, ""), StatusOK},
		{"no map type", []byte{1, 0}, "", StatusBadArgument},
		{"unknown map type", args(MapType(99), "apikey"), "", StatusBadArgument},
	} {
		res, st := headerValue(h, tt.args)
		if st != tt.st || string(res) != tt.want {
			t.Errorf("%s: %q, %v; want %q, %v", tt.name, res, st, tt.want, tt.st)
		}
	}
	h.inst.call.current = nil
	if _, st := headerValue(h, args(MapRequestHeaders, "apikey")); st != StatusNotFound {
		t.Errorf("outside a stream: %v, want NOT_FOUND", st)
	}
}

// TestSetHeaderValues: weir.set_header_values replaces each named header in order, as
// proxy_replace_header_map_value does one at a time, and changes nothing for a
// malformed list or one that would break the map's limits.
func TestSetHeaderValues(t *testing.T) {
	stream := newStream(&events{}, [2]string{"x-a", "old"}, [2]string{"accept", "*/*"}, [2]string{"x-a", "older"})
	h := inCallback(t, stream)
	args := func(t MapType, pairs ...[2]string) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, uint32(t)), EncodePairs(pairs)...)
	}
	req := stream.maps[MapRequestHeaders]
	// what proxy_replace_header_map_value would make of the same three, one at a time
	want := &fakeMap{pairs: append([][2]string(nil), req.pairs...)}
	want.Set("x-a", "new")
	want.Set("x-b", "1")
	want.Set("x-b", "2")
	if st := setHeaderValues(h, args(MapRequestHeaders, [2]string{"X-A", "new"}, [2]string{"x-b", "1"}, [2]string{"x-b", "2"})); st != StatusOK {
		t.Fatalf("set: %v", st)
	}
	if !reflect.DeepEqual(req.pairs, want.pairs) {
		t.Fatalf("request headers %q, want %q", req.pairs, want)
	}
	before := append([][2]string(nil), req.pairs...)
	for _, tt := range []struct {
		name string
		args []byte
		st   Status
	}{
		{"no map type", []byte{0, 0}, StatusBadArgument},
		{"malformed list", append(args(MapRequestHeaders, [2]string{"x-c", "1"}), 'x'), StatusBadArgument},
		{"over the map's size", args(MapRequestHeaders, [2]string{"x-c", "1"}, [2]string{"x-d", strings.Repeat("d", MaxMapBytes)}), StatusBadArgument},
		{"a read-only map", args(MapHTTPCallResponseHeaders, [2]string{"x-c", "1"}), StatusBadArgument},
	} {
		if st := setHeaderValues(h, tt.args); st != tt.st {
			t.Errorf("%s: %v, want %v", tt.name, st, tt.st)
		}
		if !reflect.DeepEqual(req.pairs, before) {
			t.Fatalf("%s: the map changed to %q", tt.name, req.pairs)
		}
	}
}

// TestSetHeaderIntegers: weir.set_header_integers reads each name from the guest's
// memory and sets it to its integer in decimal, as weir.set_header_values would with
// the text, and changes nothing for arguments it cannot take.
func TestSetHeaderIntegers(t *testing.T) {
	stream := newStream(&events{}, [2]string{"x-a", "old"}, [2]string{"accept", "*/*"}, [2]string{"x-a", "older"})
	h := inCallback(t, stream)
	// the names, where a guest keeps its static strings
	names := h.mem.Size() - 4096
	at := map[string]uint32{}
	for _, name := range []string{"X-A", "x-b", "x-ratelimit-limit-minute"} {
		at[name] = names
		if !h.mem.Write(names, []byte(name)) {
			t.Fatal("writing the names")
		}
		names += uint32(len(name))
	}
	type entry struct {
		ptr, size uint32
		value     int64
	}
	named := func(name string, v int64) entry { return entry{at[name], uint32(len(name)), v} }
	args := func(t MapType, entries ...entry) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(t))
		for _, e := range entries {
			b = binary.LittleEndian.AppendUint32(b, e.ptr)
			b = binary.LittleEndian.AppendUint32(b, e.size)
			b = binary.LittleEndian.AppendUint64(b, uint64(e.value))
		}
		return b
	}
	req := stream.maps[MapRequestHeaders]
	want := &fakeMap{pairs: append([][2]string(nil), req.pairs...)}
	want.Set("x-a", "0")
	want.Set("x-b", "-9223372036854775808")
	want.Set("x-ratelimit-limit-minute", "1000000000")
	want.Set("x-b", "9223372036854775807")
	if st := setHeaderIntegers(h, args(MapRequestHeaders, named("X-A", 0), named("x-b", math.MinInt64),
		named("x-ratelimit-limit-minute", 1e9), named("x-b", math.MaxInt64))); st != StatusOK {
		t.Fatalf("set: %v", st)
	}
	if !reflect.DeepEqual(req.pairs, want.pairs) {
		t.Fatalf("request headers %q, want %q", req.pairs, want.pairs)
	}
	before := append([][2]string(nil), req.pairs...)
	many := make([]entry, MaxMapEntries+1)
	for i := range many {
		many[i] = named("x-b", int64(i))
	}
	for _, tt := range []struct {
		name string
		args []byte
		st   Status
	}{
		{"no map type", []byte{0, 0}, StatusBadArgument},
		{"a cut entry", args(MapRequestHeaders, named("x-b", 1))[:19], StatusBadArgument},
		{"an empty name", args(MapRequestHeaders, named("x-b", 1), entry{at["x-b"], 0, 1}), StatusBadArgument},
		{"a name past the memory", args(MapRequestHeaders, named("x-b", 1), entry{h.mem.Size() - 2, 3, 1}), StatusInvalidMemoryAccess},
		{"a name over the limit", args(MapRequestHeaders, entry{0, MaxKeyBytes + 1, 1}), StatusBadArgument},
		{"more entries than a map holds", args(MapRequestHeaders, many...), StatusBadArgument},
		{"a read-only map", args(MapHTTPCallResponseHeaders, named("x-b", 1)), StatusBadArgument},
	} {
		if st := setHeaderIntegers(h, tt.args); st != tt.st {
			t.Errorf("%s: %v, want %v", tt.name, st, tt.st)
		}
		if !reflect.DeepEqual(req.pairs, before) {
			t.Fatalf("%s: the map changed to %q", tt.name, req.pairs)
		}
	}
}

// TestFitsAll: a list is measured as the map would be after it, each name counted as
// one entry however often the list repeats it, names of one length told apart.
func TestFitsAll(t *testing.T) {
	m := &fakeMap{}
	for i := range MaxMapEntries - 2 {
		m.pairs = append(m.pairs, [2]string{"x-" + strconv.Itoa(i), "v"})
	}
	for _, tt := range []struct {
		fields [][2]string
		fits   bool
	}{
		{[][2]string{{"x-a", "1"}, {"x-a", "2"}, {"x-b", "3"}}, true},
		{[][2]string{{"x-a", "1"}, {"x-b", "2"}, {"x-c", "3"}}, false},
		{[][2]string{{"x-a", "1"}, {"x-long", "2"}, {"x-a", "3"}, {"x-long", "4"}}, true},
		{[][2]string{{"x-0", "1"}, {"x-1", "2"}, {"x-a", "3"}, {"x-b", "4"}}, true},
		{[][2]string{{"x-0", "1"}, {"x-a", "2"}, {"x-b", "3"}, {"x-c", "4"}}, false},
		{[][2]string{{"x-a", strings.Repeat("v", MaxMapBytes)}}, false},
	} {
		if got := fitsAll(m, tt.fields); got != tt.fits {
			t.Errorf("%q: fits %v, want %v", tt.fields, got, tt.fits)
		}
	}
}
