package abi

import (
	"encoding/binary"
	"strconv"
	"unsafe"
)

// fnSetHeaderIntegers is the foreign function that replaces several headers of one map
// with integers, as weir.set_header_values would with the integers written in
// decimal. The guest names each header by where its name is in its own memory and
// hands the value over as a number, so it neither copies names nor formats numbers:
// wasm does both several times slower than the host (rate-limiting's five headers
// cost 3,400 guest instructions a request that way). Arguments: the map type, then
// for each header its name's address and length and its value (u32, u32, i64), all
// little-endian. Result: nothing. A malformed list, a name outside the guest's memory
// or a list that would outgrow the map's limits changes nothing.
const fnSetHeaderIntegers = "weir.set_header_integers"

// headerIntegerSize is one header's entry in fnSetHeaderIntegers' arguments.
const headerIntegerSize = 16

// setHeaderIntegers serves fnSetHeaderIntegers for the current stream.
func setHeaderIntegers(h hostCtx, args []byte) Status {
	if len(args) < 4 || (len(args)-4)%headerIntegerSize != 0 {
		return StatusBadArgument
	}
	n := (len(args) - 4) / headerIntegerSize
	if n > MaxMapEntries {
		return StatusBadArgument
	}
	m, st := h.writableMap(MapType(binary.LittleEndian.Uint32(args)))
	if st != StatusOK {
		return st
	}
	// the values outlive the call: one buffer, never grown, holds them all
	text := make([]byte, 0, n*len("-9223372036854775808"))
	fields := h.inst.fieldRoom[:0]
	defer clear(h.inst.fieldRoom[:])
	for e := args[4:]; len(e) > 0; e = e[headerIntegerSize:] {
		size := binary.LittleEndian.Uint32(e[4:])
		if size == 0 {
			return StatusBadArgument
		}
		name, st := h.view(binary.LittleEndian.Uint32(e), size, MaxKeyBytes)
		if st != StatusOK {
			return st
		}
		start := len(text)
		text = strconv.AppendInt(text, int64(binary.LittleEndian.Uint64(e[8:])), 10)
		value := unsafe.String(&text[start], len(text)-start)
		fields = append(fields, [2]string{h.inst.names.name(name), value})
	}
	return setFields(m, fields)
}
