package weir

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// TestHeaderValuesArgs: the arguments of weir.set_header_values are the map type and
// the headers in the ABI's pairs layout, numbers written in decimal.
func TestHeaderValuesArgs(t *testing.T) {
	var h HeaderValues
	h.Set("X-Text", "v")
	h.SetInt("X-Num", -42)
	h.Set("x-empty", "")
	got := h.appendArgs(nil, mapResponseHeaders)
	want := binary.LittleEndian.AppendUint32(nil, mapResponseHeaders)
	want = binary.LittleEndian.AppendUint32(want, 3)
	for _, l := range [][2]int{{6, 1}, {5, 3}, {7, 0}} {
		want = binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(want, uint32(l[0])), uint32(l[1]))
	}
	want = append(want, "X-Text\x00v\x00X-Num\x00-42\x00x-empty\x00\x00"...)
	if string(got) != string(want) {
		t.Fatalf("arguments\n%q\nwant\n%q", got, want)
	}
	h.Reset()
	if h.Len() != 0 {
		t.Fatalf("%d headers after Reset", h.Len())
	}
}

// TestSetResponseHeadersHostWithout: a host without weir.set_header_values is asked
// once; SetResponseHeaders then sets each header with its own call.
func TestSetResponseHeadersHostWithout(t *testing.T) {
	calls := 0
	old := callForeignInto
	callForeignInto = func(name string, _, dst []byte) ([]byte, error) {
		calls++
		return dst, types.ErrorStatusNotFound
	}
	t.Cleanup(func() { callForeignInto = old; noSetHeaderValues = false })
	var h HeaderValues
	h.Set("x-a", "1")
	r := &Request{}
	// outside a host the per-header calls fail: what matters is that they are made
	_ = r.SetResponseHeaders(&h)
	_ = r.SetResponseHeaders(&h)
	if calls != 1 || !noSetHeaderValues {
		t.Fatalf("asked the host %d times (noSetHeaderValues %v), want once", calls, noSetHeaderValues)
	}
}

// TestHeaderIntegersArgs: the arguments of weir.set_header_integers are the map type,
// then each name's address and length and its number.
func TestHeaderIntegersArgs(t *testing.T) {
	var h HeaderValues
	h.SetInt("x-limit", 10)
	h.SetInt("x-remaining", -1)
	addresses := map[string]uint32{"x-limit": 0x1000, "x-remaining": 0x2040}
	got := h.appendIntegerArgs(nil, mapResponseHeaders, func(s string) uint32 { return addresses[s] })
	want := binary.LittleEndian.AppendUint32(nil, mapResponseHeaders)
	for _, e := range []struct {
		addr, size uint32
		n          int64
	}{{0x1000, 7, 10}, {0x2040, 11, -1}} {
		want = binary.LittleEndian.AppendUint32(want, e.addr)
		want = binary.LittleEndian.AppendUint32(want, e.size)
		want = binary.LittleEndian.AppendUint64(want, uint64(e.n))
	}
	if string(got) != string(want) {
		t.Fatalf("arguments\n%x\nwant\n%x", got, want)
	}
}

// TestSetResponseHeadersChoosesCall: numbers only go to weir.set_header_integers, a
// list with a text to weir.set_header_values, and a host without the first is asked
// for it once, then given texts.
func TestSetResponseHeadersChoosesCall(t *testing.T) {
	old, oldAddr := callForeignInto, namesByAddress
	t.Cleanup(func() {
		callForeignInto, namesByAddress = old, oldAddr
		noSetHeaderIntegers, noSetHeaderValues = false, false
	})
	namesByAddress = true
	var calls []string
	hasIntegers := true
	callForeignInto = func(name string, args, dst []byte) ([]byte, error) {
		calls = append(calls, name)
		if name == fnSetHeaderIntegers && !hasIntegers {
			return dst, types.ErrorStatusNotFound
		}
		return dst, nil
	}
	var ints, mixed HeaderValues
	ints.SetInt("x-a", 1)
	ints.SetInt("x-b", 2)
	mixed.SetInt("x-a", 1)
	mixed.Set("x-c", "text")
	r := &Request{}
	for _, tt := range []struct {
		name        string
		h           *HeaderValues
		hasIntegers bool
		want        []string
	}{
		{"numbers", &ints, true, []string{fnSetHeaderIntegers}},
		{"a text among them", &mixed, true, []string{fnSetHeaderValues}},
		{"host without integers", &ints, false, []string{fnSetHeaderIntegers, fnSetHeaderValues}},
		{"host without integers, again", &ints, false, []string{fnSetHeaderValues}},
	} {
		calls, hasIntegers = nil, tt.hasIntegers
		if err := r.SetResponseHeaders(tt.h); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !slices.Equal(calls, tt.want) {
			t.Errorf("%s: calls %q, want %q", tt.name, calls, tt.want)
		}
	}
	mixed.Reset()
	mixed.SetInt("x-a", 1)
	if mixed.texts != 0 {
		t.Fatalf("Reset kept %d texts", mixed.texts)
	}
}
