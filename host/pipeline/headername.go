package pipeline

import "github.com/weir-gateway/weir/abi"

// HeaderName is name lower-cased as a string, without allocating for a common name
// (abi.HeaderName: keys read from guests are interned the same way).
func HeaderName(name []byte) string { return abi.HeaderName(name) }

// AddLower appends a field whose key is already lower-case (from HeaderName).
func (h *Headers) AddLower(key, value string) {
	h.pairs = append(h.pairs, [2]string{key, value})
}
