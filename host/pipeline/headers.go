package pipeline

import (
	"io"
	"slices"

	"github.com/weir-gateway/weir/abi"
)

// Headers is an ordered header map. Keys are stored lower-case, as HTTP/2 and Envoy
// present them to plugins; pseudo-headers (":method", ":path", ":authority", ":scheme",
// ":status") come first.
type Headers struct {
	pairs [][2]string
}

// Pairs returns every field in order.
func (h *Headers) Pairs() [][2]string { return h.pairs }

// Len is the number of fields.
func (h *Headers) Len() int { return len(h.pairs) }

// Get returns the first value of key. Keys are stored as abi.LowerASCII makes them,
// so a key in that form matches by plain comparison; another form is lower-cased only
// when the plain scan missed (the gateway's own names are lower-case already, and a
// lookup runs tens of times a request).
func (h *Headers) Get(key string) (string, bool) {
	if v, ok := h.get(key); ok || !abi.HasUpperASCII(key) {
		return v, ok
	}
	return h.get(abi.LowerASCII(key))
}

// get is Get for a key as keys are stored.
//
// The loops over pairs here index them: ranging over the values copies each
// two-string field to the stack first, four more instructions a field scanned.
func (h *Headers) get(key string) (string, bool) {
	pairs := h.pairs
	for i := range pairs {
		if pairs[i][0] == key {
			return pairs[i][1], true
		}
	}
	return "", false
}

// Value returns the first value of key, or "".
func (h *Headers) Value(key string) string {
	v, _ := h.Get(key)
	return v
}

// Values returns every value of key.
func (h *Headers) Values(key string) []string {
	var out []string
	key = abi.LowerASCII(key)
	pairs := h.pairs
	for i := range pairs {
		if pairs[i][0] == key {
			out = append(out, pairs[i][1])
		}
	}
	return out
}

// Add appends a field.
func (h *Headers) Add(key, value string) {
	h.pairs = append(h.pairs, [2]string{abi.LowerASCII(key), value})
}

// AddLower appends a field whose key is already as keys are stored (abi.HeaderName).
func (h *Headers) AddLower(key, value string) {
	h.pairs = append(h.pairs, [2]string{key, value})
}

// Set replaces every field with that key by one, in the place of the first.
// A key in stored form is looked for as it is, as in Get.
func (h *Headers) Set(key, value string) {
	if h.replace(key, value) {
		return
	}
	if abi.HasUpperASCII(key) {
		if key = abi.LowerASCII(key); h.replace(key, value) {
			return
		}
	}
	h.pairs = append(h.pairs, [2]string{key, value})
}

// replace is Set for a key as keys are stored, when the map has it; false when not.
func (h *Headers) replace(key, value string) bool {
	pairs := h.pairs
	for i := range pairs {
		if pairs[i][0] == key {
			pairs[i][1] = value
			h.removeFrom(i+1, key)
			return true
		}
	}
	return false
}

// fieldChange is one field setOrRemove sets (to value) or removes.
type fieldChange struct {
	key    string // as keys are stored
	value  string
	remove bool
}

// setOrRemove applies each change as Set or Remove would. A map holding none of
// their keys, as when the gateway adds its own headers to a request that did not
// carry them, takes one pass and appends.
func (h *Headers) setOrRemove(changes []fieldChange) {
	var lengths uint64
	for _, c := range changes {
		lengths |= abi.LengthBit(c.key)
	}
	pairs := h.pairs
	for i := range pairs {
		k := pairs[i][0]
		if lengths&abi.LengthBit(k) == 0 {
			continue
		}
		for _, c := range changes {
			if k == c.key {
				h.applyEach(changes)
				return
			}
		}
	}
	for _, c := range changes {
		if !c.remove {
			h.pairs = append(h.pairs, [2]string{c.key, c.value})
		}
	}
}

// SetFields sets each field as Set would, in order, for keys as keys are stored. A
// map holding none of their keys, as when a plugin adds its own headers, takes one
// pass and appends (abi.FieldsSetter).
func (h *Headers) SetFields(fields [][2]string) {
	var lengths uint64
	distinct := true
	for i, f := range fields {
		bit := abi.LengthBit(f[0])
		if lengths&bit != 0 && !abi.FirstOfName(fields, i) {
			distinct = false
		}
		lengths |= bit
	}
	if distinct && !h.holdsAny(lengths, fields) {
		h.pairs = append(h.pairs, fields...)
		return
	}
	for _, f := range fields {
		h.Set(f[0], f[1])
	}
}

// holdsAny says whether a field of h has the key of one of fields; lengths is the
// set of their keys' lengthBits.
func (h *Headers) holdsAny(lengths uint64, fields [][2]string) bool {
	pairs := h.pairs
	for i := range pairs {
		k := pairs[i][0]
		if lengths&abi.LengthBit(k) == 0 {
			continue
		}
		for j := range fields {
			if k == fields[j][0] {
				return true
			}
		}
	}
	return false
}

// applyEach is setOrRemove one change at a time.
func (h *Headers) applyEach(changes []fieldChange) {
	for _, c := range changes {
		if c.remove {
			h.removeFrom(0, c.key)
		} else {
			h.Set(c.key, c.value)
		}
	}
}

// Remove drops every field with that key.
func (h *Headers) Remove(key string) {
	h.removeFrom(0, abi.LowerASCII(key))
}

// removeFrom drops the fields from start on whose key is key (lower-case). A map
// without such a field is left untouched (no rewriting of every pair).
func (h *Headers) removeFrom(start int, key string) {
	for i := start; i < len(h.pairs); i++ {
		if h.pairs[i][0] == key {
			h.removeMatching(i, func(k string) bool { return k == key })
			return
		}
	}
}

// RemoveAny drops every field whose key is one of keys (lower-case), in one pass.
func (h *Headers) RemoveAny(keys []string) {
	var lengths uint64
	for _, k := range keys {
		lengths |= abi.LengthBit(k)
	}
	for i := range h.pairs {
		if lengths&abi.LengthBit(h.pairs[i][0]) == 0 {
			continue
		}
		if slices.Contains(keys, h.pairs[i][0]) {
			h.removeMatching(i, func(k string) bool { return slices.Contains(keys, k) })
			return
		}
	}
}

// removeMatching drops the fields from first on (first matches) whose key matches.
func (h *Headers) removeMatching(first int, matches func(string) bool) {
	out := h.pairs[:first]
	for _, p := range h.pairs[first+1:] {
		if !matches(p[0]) {
			out = append(out, p)
		}
	}
	clear(h.pairs[len(out):]) // drop the references the removed fields held
	h.pairs = out
}

// SetPairs replaces the whole map.
func (h *Headers) SetPairs(pairs [][2]string) {
	h.pairs = h.pairs[:0]
	for _, p := range pairs {
		h.pairs = append(h.pairs, [2]string{abi.LowerASCII(p[0]), p[1]})
	}
}

// Grow makes room for n more fields without another allocation: a front end filling
// a map knows how many fields it adds, and the gateway adds a few of its own.
func (h *Headers) Grow(n int) { h.pairs = slices.Grow(h.pairs, n) }

// Reset empties the map, keeping its storage.
func (h *Headers) Reset() { h.pairs = h.pairs[:0] }

// Body is a message body: buffered, or (a response of a route with
// response_buffering off) a stream the front end copies to the client.
type Body struct {
	b      []byte
	stream io.ReadCloser
}

// Stream is the unbuffered body, nil when the body is buffered.
func (b *Body) Stream() io.ReadCloser { return b.stream }

// SetStream makes the body a stream; Bytes is then empty.
func (b *Body) SetStream(r io.ReadCloser) { b.b, b.stream = nil, r }

// dropStream closes an unread stream (a plugin answered instead).
func (b *Body) dropStream() {
	if b.stream != nil {
		_ = b.stream.Close()
		b.stream = nil
	}
}

// Bytes returns the content.
func (b *Body) Bytes() []byte { return b.b }

// Set replaces the content.
func (b *Body) Set(p []byte) { b.b = p }

var (
	_ abi.HeaderMap    = (*Headers)(nil)
	_ abi.FieldsSetter = (*Headers)(nil)
	_ abi.Buffer       = (*Body)(nil)
)
