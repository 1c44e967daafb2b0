package abi

import "encoding/binary"

// fnHeaderValue is the foreign function that reads one header's first value and how
// many fields carry that name, in one host call. proxy_get_header_map_value answers the
// first value only, so through the ABI alone a plugin that must tell a repeated header
// from a single one (Kong's key-auth refuses a duplicate key) reads the whole map.
// Arguments: the map type (4 bytes, little-endian), then the name. Result: the count
// (4 bytes, little-endian), then the first value, nothing when the count is 0.
const fnHeaderValue = "weir.header_value"

// headerValue serves fnHeaderValue for the current stream; its answer is valid until
// the instance's next host call.
func headerValue(h hostCtx, args []byte) ([]byte, Status) {
	if len(args) < 4 || len(args) > 4+MaxKeyBytes {
		return nil, StatusBadArgument
	}
	m, st := h.headerMap(MapType(binary.LittleEndian.Uint32(args)))
	if st != StatusOK {
		return nil, st
	}
	key := h.inst.names.name(args[4:])
	first, n := "", 0
	pairs := m.Pairs()
	for i := range pairs { // indexed: ranging over values copies each field
		if pairs[i][0] == key {
			if n == 0 {
				first = pairs[i][1]
			}
			n++
		}
	}
	out := binary.LittleEndian.AppendUint32(h.inst.scratch[:0], uint32(n))
	h.inst.scratch = append(out, first...)
	return h.inst.scratch, StatusOK
}
