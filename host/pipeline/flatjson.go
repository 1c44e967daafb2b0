package pipeline

import (
	"bytes"
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

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
