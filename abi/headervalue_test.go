package abi

import (
	"encoding/binary"
	"testing"
)

// TestHeaderValue: weir.header_value answers a header's field count and first value,
// for any case of the name, and refuses what it cannot read.
func TestHeaderValue(t *testing.T) {
	rt := newRuntime(t, 0)
	ev := &events{}
	stream := newStream(ev, [2]string{"apikey", "k1"}, [2]string{"accept", "*/*"}, [2]string{"apikey", "k2"},
		[2]string{"x-one", "v"}, [2]string{"x-empty", ""})
	inst, hc := setup(t, rt, fixture(t, "headers"), &fakeServices{ev: ev}, "", stream)
	inst.call.current = hc.state
	defer func() { inst.call = callState{} }()
	h := hostCtx{inst: inst, mem: inst.guest.Memory()}
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
	inst.call.current = nil
	if _, st := headerValue(h, args(MapRequestHeaders, "apikey")); st != StatusNotFound {
		t.Errorf("outside a stream: %v, want NOT_FOUND", st)
	}
}
