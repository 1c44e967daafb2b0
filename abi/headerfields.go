package abi

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// fnHeaderFields is the foreign function that reads the fields of a few names from a
// header map, in one host call: a plugin that edits a handful of headers (Kong's
// request-transformer) otherwise reads the whole map, whose size the client decides,
// or makes a call per name and loses the fields' order.
// Arguments: the map type (4 bytes, little-endian), then the names in any case,
// separated by NUL bytes. Result: the map's fields with those names, in the map's
// order, laid out as proxy_get_header_map_pairs lays a map out.
const fnHeaderFields = "weir.header_fields"

// headerFields serves fnHeaderFields for the current stream; its answer is valid until
// the instance's next host call.
func headerFields(h hostCtx, args []byte) ([]byte, Status) {
	if len(args) < 4 {
		return nil, StatusBadArgument
	}
	m, st := h.headerMap(MapType(binary.LittleEndian.Uint32(args)))
	if st != StatusOK {
		return nil, st
	}
	asked := &h.inst.askedFields
	if string(args[4:]) != asked.args {
		if st := asked.parse(args[4:]); st != StatusOK {
			return nil, st
		}
	}
	var fieldRoom [16][2]string
	fields := fieldRoom[:0]
	for _, p := range m.Pairs() {
		if asked.lengths&LengthBit(p[0]) == 0 {
			continue
		}
		for _, name := range asked.names {
			if p[0] == name {
				fields = append(fields, p)
				break
			}
		}
	}
	h.inst.scratch = AppendEncodedPairs(h.inst.scratch[:0], fields)
	return h.inst.scratch, StatusOK
}

// askedFields are the names of the last weir.header_fields call, read once: a plugin
// asks for the same names on every request. Used under the instance's mu.
type askedFields struct {
	args    string   // the names as the guest sent them, NUL-separated
	names   []string // lower-case, as header-map keys are kept; each once
	lengths uint64   // LengthBit of every name: most fields are told apart by it
}

// parse reads the NUL-separated names of a call; a refused list leaves a as it was.
func (a *askedFields) parse(list []byte) Status {
	var names []string
	var lengths uint64
	for n, rest := 0, list; len(rest) > 0; n++ {
		name, after, _ := bytes.Cut(rest, []byte{0})
		if len(name) == 0 || len(name) > MaxKeyBytes || n == MaxPairs {
			return StatusBadArgument
		}
		if lower := LowerASCII(string(name)); !slices.Contains(names, lower) {
			names = append(names, lower)
			lengths |= LengthBit(lower)
		}
		rest = after
	}
	*a = askedFields{args: string(list), names: names, lengths: lengths}
	return StatusOK
}

// IsLowered says whether key, a header-map key (lower-case), is name with its ASCII
// letters lower-cased; it compares without making the lower-case name.
func IsLowered[T string | []byte](key string, name T) bool {
	if len(key) != len(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if key[i] != c {
			return false
		}
	}
	return true
}
