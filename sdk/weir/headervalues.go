package weir

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// fnSetHeaderValues replaces several headers of one map in one host call, and
// fnSetHeaderIntegers does when every value is an integer, the names passed by their
// address and the numbers as numbers (weir's foreign-functions.md).
const (
	fnSetHeaderValues   = "weir.set_header_values"
	fnSetHeaderIntegers = "weir.set_header_integers"
)

var (
	// noSetHeaderValues and noSetHeaderIntegers are set once the host answered that
	// it has no such function.
	noSetHeaderValues, noSetHeaderIntegers bool
	// setHeaderArgs is reused by each call (a guest is single-threaded).
	setHeaderArgs []byte
	// namesByAddress tells whether a string's address is where its bytes sit in the
	// memory the host reads: true in a wasm module, false in native tests, where
	// fnSetHeaderIntegers could not be given a name.
	namesByAddress = runtime.GOARCH == "wasm"
)

// HeaderValues are headers to set together (Request.SetResponseHeaders): on weir one
// host call for all of them, elsewhere one call each. Reset and reuse one to set
// headers on every request without allocating.
type HeaderValues struct {
	list []headerValue
	// texts counts the values set with Set: with none, the host is handed the
	// numbers (fnSetHeaderIntegers) and formats them itself.
	texts int
}

// headerValue is a text, or the integer num when isNum.
type headerValue struct {
	name, text string
	num        int64
	isNum      bool
}

// Set adds name with a text value.
func (h *HeaderValues) Set(name, value string) {
	h.list = append(h.list, headerValue{name: name, text: value})
	h.texts++
}

// SetInt adds name with n in decimal, whose text is never made in a string.
func (h *HeaderValues) SetInt(name string, n int64) {
	h.list = append(h.list, headerValue{name: name, num: n, isNum: true})
}

// Len is the number of headers in h.
func (h *HeaderValues) Len() int { return len(h.list) }

// Reset empties h, keeping its storage.
func (h *HeaderValues) Reset() {
	clear(h.list)
	h.list = h.list[:0]
	h.texts = 0
}

// appendArgs appends fnSetHeaderValues's arguments for map type t: the type, then the
// headers as proxy_set_header_map_pairs lays pairs out.
func (h *HeaderValues) appendArgs(b []byte, t uint32) []byte {
	b = binary.LittleEndian.AppendUint32(b, t)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(h.list)))
	lens := len(b)
	for range h.list {
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 0) // the lengths, filled in below
	}
	for i, v := range h.list {
		b = append(append(b, v.name...), 0)
		start := len(b)
		if v.isNum {
			b = strconv.AppendInt(b, v.num, 10)
		} else {
			b = append(b, v.text...)
		}
		binary.LittleEndian.PutUint32(b[lens+8*i:], uint32(len(v.name)))
		binary.LittleEndian.PutUint32(b[lens+8*i+4:], uint32(len(b)-start))
		b = append(b, 0)
	}
	return b
}

// appendIntegerArgs appends fnSetHeaderIntegers's arguments for map type t: the type,
// then for each header its name's address (from addressOf) and length, 4 bytes each,
// and its number, 8; all little-endian. Every value in h must be a number.
func (h *HeaderValues) appendIntegerArgs(b []byte, t uint32, addressOf func(string) uint32) []byte {
	b = binary.LittleEndian.AppendUint32(b, t)
	for _, v := range h.list {
		b = binary.LittleEndian.AppendUint32(b, addressOf(v.name))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v.name)))
		b = binary.LittleEndian.AppendUint64(b, uint64(v.num))
	}
	return b
}

// guestAddress is where s's bytes sit in the module's linear memory.
func guestAddress(s string) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.StringData(s)))) }

// SetResponseHeaders replaces each response header in h with its value, in order, as
// SetResponseHeader and SetResponseHeaderInt would one by one. On weir it is one host
// call, and a list the host refuses (over the map's limits) changes nothing. When
// every value is a number (SetInt), weir reads the names where they are and writes
// the numbers itself: names that are string constants sit at the same address on
// every request, where weir finds the header names it made of them before.
func (r *Request) SetResponseHeaders(h *HeaderValues) error {
	if h.Len() == 0 {
		return nil
	}
	r.haveResp = false
	if namesByAddress && h.texts == 0 && !noSetHeaderIntegers {
		setHeaderArgs = h.appendIntegerArgs(setHeaderArgs[:0], mapResponseHeaders, guestAddress)
		_, err := callForeignInto(fnSetHeaderIntegers, setHeaderArgs, nil)
		runtime.KeepAlive(h) // the host read the names from h's strings
		if !errors.Is(err, types.ErrorStatusNotFound) {
			if err != nil {
				return fmt.Errorf("%s: %w", fnSetHeaderIntegers, err)
			}
			return nil
		}
		noSetHeaderIntegers = true // a host without it: the texts from now on
	}
	if !noSetHeaderValues {
		setHeaderArgs = h.appendArgs(setHeaderArgs[:0], mapResponseHeaders)
		_, err := callForeignInto(fnSetHeaderValues, setHeaderArgs, nil)
		if !errors.Is(err, types.ErrorStatusNotFound) {
			if err != nil {
				return fmt.Errorf("%s: %w", fnSetHeaderValues, err)
			}
			return nil
		}
		noSetHeaderValues = true // another host: one call per header from now on
	}
	var errs []error
	for _, v := range h.list {
		var err error
		if v.isNum {
			err = r.SetResponseHeaderInt(v.name, v.num)
		} else {
			err = r.SetResponseHeader(v.name, v.text)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("set %s: %w", v.name, err))
		}
	}
	return errors.Join(errs...)
}
