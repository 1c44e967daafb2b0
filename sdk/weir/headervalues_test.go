package weir

import (
	"encoding/binary"
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
