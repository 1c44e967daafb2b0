package weir

import (
	"encoding/binary"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// TestHeaderValueArg: a header read through weir.header_value means what HeaderArg
// over the whole map means; a host without the function is asked once, then the
// whole map is read.
func TestHeaderValueArg(t *testing.T) {
	answer := func(n uint32, first string) string {
		return string(append(binary.LittleEndian.AppendUint32(nil, n), first...))
	}
	var gotArgs []byte
	stub := func(res string, err error) {
		old := callForeignInto
		callForeignInto = func(name string, args, dst []byte) ([]byte, error) {
			if name != fnHeaderValue {
				t.Fatalf("called %s", name)
			}
			gotArgs = append(gotArgs[:0], args...)
			return append(dst, res...), err
		}
		t.Cleanup(func() { callForeignInto = old; noHeaderValue = false })
	}
	tests := []struct {
		name, answer string
		want         Arg
	}{
		{"absent", answer(0, ""), Arg{}},
		{"once", answer(1, "k1"), Arg{Kind: ArgString, Value: "k1"}},
		{"empty", answer(1, ""), Arg{Kind: ArgString}},
		{"repeated", answer(2, "k1"), Arg{Kind: ArgList}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub(tt.answer, nil)
			a, ok := headerValueArg(mapRequestHeaders, "X_Api_Key")
			if !ok || a != tt.want {
				t.Fatalf("%+v, %v; want %+v", a, ok, tt.want)
			}
			if want := answer(mapRequestHeaders, "x-api-key"); string(gotArgs) != want {
				t.Fatalf("arguments %q, want %q", gotArgs, want)
			}
		})
	}
	t.Run("host without it", func(t *testing.T) {
		stub("", types.ErrorStatusNotFound)
		if _, ok := headerValueArg(mapRequestHeaders, "apikey"); ok || !noHeaderValue {
			t.Fatalf("ok %v, noHeaderValue %v; want false, true", ok, noHeaderValue)
		}
		gotArgs = nil
		if _, ok := headerValueArg(mapRequestHeaders, "apikey"); ok || gotArgs != nil {
			t.Fatal("asked the host again")
		}
	})
	t.Run("short answer", func(t *testing.T) {
		stub("ab", nil)
		if _, ok := headerValueArg(mapRequestHeaders, "apikey"); ok {
			t.Fatal("ok with a 2-byte answer")
		}
	})
}
