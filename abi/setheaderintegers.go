package abi

import (
	"encoding/binary"
	"strconv"
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
	// fieldRoom is not cleared after: it holds names guestNames keeps and short
	// texts of numbers, nothing worth letting go of early
	fields := h.inst.fieldRoom[:0]
	for e := args[4:]; len(e) > 0; e = e[headerIntegerSize:] {
		size := binary.LittleEndian.Uint32(e[4:])
		if size == 0 {
			return StatusBadArgument
		}
		ptr := binary.LittleEndian.Uint32(e)
		raw, st := h.view(ptr, size, MaxKeyBytes)
		if st != StatusOK {
			return st
		}
		value := h.inst.intTexts.text(int64(binary.LittleEndian.Uint64(e[8:])))
		fields = append(fields, [2]string{h.inst.guestNames.name(ptr, raw, &h.inst.names), value})
	}
	return setFields(m, fields)
}

// intTexts keeps the decimal texts of integers fnSetHeaderIntegers wrote lately, by
// value (direct-mapped): rate-limiting's limit is the same on every request and its
// reset changes once a second, so most of its values are neither formatted nor
// allocated again, and a value given twice in one call (its remaining count) once. The
// texts go into header maps as they are: strings are never written. Used under the
// instance's mu.
type intTexts [intTextSlots]struct {
	n int64
	s string
}

// intTextSlots is a power of two: the slot is the top intTextBits of a Fibonacci hash.
const (
	intTextBits  = 5
	intTextSlots = 1 << intTextBits
)

// text is n in decimal.
func (t *intTexts) text(n int64) string {
	e := &t[uint64(n)*0x9E3779B97F4A7C15>>(64-intTextBits)]
	if e.s == "" || e.n != n {
		e.n, e.s = n, strconv.FormatInt(n, 10)
	}
	return e.s
}

// guestNames keeps, by address in the guest's memory, the header names
// fnSetHeaderIntegers read there lately: a plugin names its headers with the same
// static strings on every request, and finding the address among a few and comparing
// the bytes there is cheaper than hashing them into the name cache. Used under the
// instance's mu.
type guestNames struct {
	entries [guestNameEntries]struct {
		ptr  uint32
		raw  string // the bytes as they were, compared again on every use
		name string // their header name (nameCache)
	}
	next int // the entry a new address takes, in turn
}

// guestNameEntries covers rate-limiting's five names with room to spare.
const guestNameEntries = 8

// name is the header name of raw, the guest's bytes at ptr.
func (g *guestNames) name(ptr uint32, raw []byte, names *nameCache) string {
	for i := range g.entries {
		if e := &g.entries[i]; e.ptr == ptr && e.name != "" {
			if e.raw != string(raw) {
				e.raw, e.name = string(raw), names.name(raw)
			}
			return e.name
		}
	}
	e := &g.entries[g.next]
	g.next = (g.next + 1) % guestNameEntries
	e.ptr, e.raw, e.name = ptr, string(raw), names.name(raw)
	return e.name
}
