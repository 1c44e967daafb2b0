package abi

import "encoding/binary"

// fnSetHeaderValues is the foreign function that replaces several headers of one map
// in one host call, each as proxy_replace_header_map_value would, in order. A plugin
// that sets a handful of headers on every request (rate-limiting sets five) otherwise
// makes a host call for each. Arguments: the map type (4 bytes, little-endian), then
// the pairs as proxy_set_header_map_pairs carries them. Result: nothing. A malformed
// list, or one that would outgrow the map's limits, changes nothing.
const fnSetHeaderValues = "weir.set_header_values"

// setHeaderValues serves fnSetHeaderValues for the current stream.
func setHeaderValues(h hostCtx, args []byte) Status {
	if len(args) < 4 {
		return StatusBadArgument
	}
	m, st := h.writableMap(MapType(binary.LittleEndian.Uint32(args)))
	if st != StatusOK {
		return st
	}
	// the values outlive the call: one copy of the list holds them all
	list := append([]byte(nil), args[4:]...)
	// the instance's room: a list on the stack would escape through SetFields
	fields, err := appendPairs(h.inst.fieldRoom[:0], list, &h.inst.names)
	defer clear(h.inst.fieldRoom[:])
	if err != nil {
		return StatusBadArgument
	}
	return setFields(m, fields)
}

// setFields replaces fields' names in m with their values, in order, unless that would
// take m past its limits (BAD_ARGUMENT, nothing changed).
func setFields(m HeaderMap, fields [][2]string) Status {
	if !fitsAll(m, fields) {
		return StatusBadArgument
	}
	if fs, ok := m.(FieldsSetter); ok {
		fs.SetFields(fields)
		return StatusOK
	}
	for _, f := range fields {
		m.Set(f[0], f[1])
	}
	return StatusOK
}

// FieldsSetter is a HeaderMap that sets several fields at once, as Set would one
// after the other, in fewer passes over its fields. Keys come lower-case.
type FieldsSetter interface {
	SetFields(fields [][2]string)
}

// fitsAll says whether replacing fields' names with their values keeps m within
// MaxMapEntries and MaxMapBytes.
func fitsAll(m HeaderMap, fields [][2]string) bool {
	entries, size := 0, 0
	var lengths uint64
	for _, f := range fields {
		lengths |= LengthBit(f[0])
	}
	replaced := func(k string) bool {
		if lengths&LengthBit(k) == 0 {
			return false
		}
		for i := range fields {
			if fields[i][0] == k {
				return true
			}
		}
		return false
	}
	pairs := m.Pairs()
	for i := range pairs {
		if !replaced(pairs[i][0]) {
			entries++
			size += len(pairs[i][0]) + len(pairs[i][1])
		}
	}
	var seen uint64 // the lengths of the names before fields[i]
	for i, f := range fields {
		bit := LengthBit(f[0])
		if seen&bit == 0 || FirstOfName(fields, i) {
			entries++
		}
		seen |= bit
		size += len(f[0]) + len(f[1])
	}
	return entries <= MaxMapEntries && size <= MaxMapBytes
}

// LengthBit is name's length as one bit of a set (bit 63: 63 bytes or more). Most
// header fields are told apart from every name of a set by their length alone.
func LengthBit(name string) uint64 { return 1 << min(len(name), 63) }

// FirstOfName says whether pairs[i] is the first field of its name in pairs.
func FirstOfName(pairs [][2]string, i int) bool {
	for _, p := range pairs[:i] {
		if p[0] == pairs[i][0] {
			return false
		}
	}
	return true
}
