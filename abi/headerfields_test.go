package abi

import (
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
)

// TestHeaderFields: weir.header_fields answers the fields of the names asked, in any
// case, in the map's order, laid out as a whole map is, and refuses what it cannot
// read.
func TestHeaderFields(t *testing.T) {
	h := inCallback(t, newStream(&events{}, [2]string{":path", "/p"}, [2]string{"apikey", "k1"}, [2]string{"accept", "*/*"},
		[2]string{"x-one", "v"}, [2]string{"apikey", "k2"}, [2]string{"x-empty", ""}))
	args := func(t MapType, names ...string) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, uint32(t)), strings.Join(names, "\x00")...)
	}
	for _, tt := range []struct {
		name string
		args []byte
		want [][2]string
		st   Status
	}{
		{"in the map's order, repeats kept", args(MapRequestHeaders, "x-one", "apikey"),
			[][2]string{{"apikey", "k1"}, {"x-one", "v"}, {"apikey", "k2"}}, StatusOK},
		{"names in any case, a pseudo-header", args(MapRequestHeaders, "X-EMPTY", ":Path"),
			[][2]string{{":path", "/p"}, {"x-empty", ""}}, StatusOK},
		{"a name asked twice", args(MapRequestHeaders, "x-one", "X-One"), [][2]string{{"x-one", "v"}}, StatusOK},
		{"a trailing NUL", append(args(MapRequestHeaders, "x-one"), 0), [][2]string{{"x-one", "v"}}, StatusOK},
		{"absent", args(MapRequestHeaders, "x-none", "x-on"), nil, StatusOK},
		{"no names", args(MapRequestHeaders), nil, StatusOK},
		{"another map", args(MapResponseHeaders, "apikey"), nil, StatusOK},
		{"an empty name", args(MapRequestHeaders, "x-one", "", "apikey"), nil, StatusBadArgument},
		{"a name over the key limit", args(MapRequestHeaders, strings.Repeat("k", MaxKeyBytes+1)), nil, StatusBadArgument},
		{"no map type", []byte{1, 0}, nil, StatusBadArgument},
		{"unknown map type", args(MapType(99), "apikey"), nil, StatusBadArgument},
		// the same names again after a refused list: what was read before still holds
		{"a refused list", args(MapRequestHeaders, "apikey", "", "x-one"), nil, StatusBadArgument},
		{"the refused list again", args(MapRequestHeaders, "apikey", "", "x-one"), nil, StatusBadArgument},
		{"names asked before", args(MapRequestHeaders, "x-one", "apikey"),
			[][2]string{{"apikey", "k1"}, {"x-one", "v"}, {"apikey", "k2"}}, StatusOK},
		{"the same again", args(MapRequestHeaders, "x-one", "apikey"),
			[][2]string{{"apikey", "k1"}, {"x-one", "v"}, {"apikey", "k2"}}, StatusOK},
	} {
		res, st := headerFields(h, tt.args)
		if st != tt.st {
			t.Errorf("%s: status %v, want %v", tt.name, st, tt.st)
			continue
		}
		if st != StatusOK {
			continue
		}
		got, err := DecodePairs(res)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q (%v), want %q", tt.name, got, err, tt.want)
		}
	}
	h.inst.call.current = nil
	if _, st := headerFields(h, args(MapRequestHeaders, "apikey")); st != StatusNotFound {
		t.Errorf("outside a stream: %v, want NOT_FOUND", st)
	}
}
