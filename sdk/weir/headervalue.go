package weir

import (
	"encoding/binary"
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// fnHeaderValue answers one header's field count and first value (weir's
// foreign-functions.md): what HeaderArg needs, without reading the whole map.
const fnHeaderValue = "weir.header_value"

// The proxy-wasm map types weir.header_value and weir.set_header_values name.
const (
	mapRequestHeaders  uint32 = 0
	mapResponseHeaders uint32 = 2
)

var (
	// noHeaderValue is set once the host answered that it has no fnHeaderValue.
	noHeaderValue bool
	// headerValueArgs and headerValueAnswer are reused by each call (a guest is
	// single-threaded).
	headerValueArgs, headerValueAnswer []byte
)

// headerValueArg is HeaderArg for one header of a map, in one host call that returns
// that header only; ok is false when the host cannot answer, and the whole map must
// tell.
func headerValueArg(mapType uint32, name string) (a Arg, ok bool) {
	if noHeaderValue {
		return Arg{}, false
	}
	headerValueArgs = append(binary.LittleEndian.AppendUint32(headerValueArgs[:0], mapType), headerArgName(name)...)
	res, err := callForeignInto(fnHeaderValue, headerValueArgs, headerValueAnswer[:0])
	headerValueAnswer = res[:0]
	switch {
	case errors.Is(err, types.ErrorStatusNotFound):
		noHeaderValue = true // another host: read whole maps from now on
		return Arg{}, false
	case err != nil || len(res) < 4:
		return Arg{}, false
	}
	switch binary.LittleEndian.Uint32(res) {
	case 0:
		return Arg{}, true
	case 1:
		return Arg{Kind: ArgString, Value: string(res[4:])}, true
	}
	return Arg{Kind: ArgList}, true
}
