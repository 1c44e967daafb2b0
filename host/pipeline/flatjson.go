package pipeline

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
	"unsafe"
)

// scanFlatObject reads a JSON object whose members are plain strings (no escapes) or
// booleans, calling member for each in order, and reports whether b had that shape
// throughout. It is the fast path for the small argument objects the SDK sends on
// every request: encoding/json's reflection costs more than the work those calls do.
// On false the caller decodes b with encoding/json, which also gives the error for a
// malformed document; member may have been called for some members by then. The
// strings member gets share b's bytes, without a copy: b must not change while they
// are in use.
func scanFlatObject(b []byte, member func(key, str string, isBool, boolean bool) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		key, next, ok := plainString(b, i)
		if !ok {
			return false
		}
		i = skipSpace(b, next)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		switch {
		case i < len(b) && b[i] == '"':
			s, next, ok := plainString(b, i)
			if !ok || !member(key, s, false, false) {
				return false
			}
			i = next
		case bytes.HasPrefix(b[i:], []byte("true")):
			if !member(key, "", true, true) {
				return false
			}
			i += len("true")
		case bytes.HasPrefix(b[i:], []byte("false")):
			if !member(key, "", true, false) {
				return false
			}
			i += len("false")
		default:
			return false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// plainString reads the string starting at b[i] ('"'), refusing escapes, control
// characters and invalid UTF-8 (encoding/json would unescape or replace them). The
// string shares b's bytes.
func plainString(b []byte, i int) (s string, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	ascii := true
	for j := i + 1; j < len(b); j++ {
		j = plainRun(b, j)
		if j >= len(b) {
			break
		}
		switch c := b[j]; {
		case c == '"':
			raw := b[i+1 : j]
			if !ascii && !utf8.Valid(raw) {
				return "", 0, false
			}
			return unsafe.String(unsafe.SliceData(raw), len(raw)), j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", 0, false
}

// plainRun is the index, from j on, of the first byte of b that is '"', '\\', a
// control character or not ASCII (len(b) for none), found eight bytes at a time: the
// arguments of weir.find_credential are read this way on every keyed request.
func plainRun(b []byte, j int) int {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	below := func(x uint64, n byte) uint64 { return (x - ones*uint64(n)) &^ x & high }
	for ; j+8 <= len(b); j += 8 {
		x := binary.LittleEndian.Uint64(b[j:])
		if stop := below(x^(ones*'"'), 1) | below(x^(ones*'\\'), 1) | below(x, 0x20) | x&high; stop != 0 {
			return j + bits.TrailingZeros64(stop)/8
		}
	}
	for ; j < len(b); j++ {
		if c := b[j]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return j
		}
	}
	return len(b)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
