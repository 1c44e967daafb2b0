package abi

import "strings"

// headerFunctions: the header-map calls. Keys are lower-cased before they reach the
// HeaderMap, as Envoy does, so plugins match headers whatever the client's spelling.
func headerFunctions() []hostFunc {
	return []hostFunc{
		proxyFunc("proxy_get_header_map_size", 2, proxyGetHeaderMapSize),
		proxyFunc("proxy_get_header_map_pairs", 3, proxyGetHeaderMapPairs),
		proxyFunc("proxy_set_header_map_pairs", 3, proxySetHeaderMapPairs),
		proxyFunc("proxy_get_header_map_value", 5, proxyGetHeaderMapValue),
		proxyFunc("proxy_add_header_map_value", 5, proxyAddHeaderMapValue),
		proxyFunc("proxy_replace_header_map_value", 5, proxyReplaceHeaderMapValue),
		proxyFunc("proxy_remove_header_map_value", 3, proxyRemoveHeaderMapValue),
	}
}

// headerMap resolves a map type: BAD_ARGUMENT for an unknown type, NOT_FOUND when the
// current context has no stream or the stream has no such map yet.
func (h hostCtx) headerMap(t MapType) (HeaderMap, Status) {
	if t > MapHTTPCallResponseTrailer {
		return nil, StatusBadArgument
	}
	if t == MapHTTPCallResponseHeaders || t == MapHTTPCallResponseTrailer {
		return h.callMap(t)
	}
	s := h.stream()
	if s == nil {
		return nil, StatusNotFound
	}
	m := s.Map(t)
	if m == nil {
		return nil, StatusNotFound
	}
	return m, StatusOK
}

// writableMap is headerMap for the calls that change a map: the maps of a call's
// answer (and gRPC metadata) are read-only, so writing them is BAD_ARGUMENT.
func (h hostCtx) writableMap(t MapType) (HeaderMap, Status) {
	if t >= MapGRPCInitialMetadata && t <= MapHTTPCallResponseTrailer {
		return nil, StatusBadArgument
	}
	return h.headerMap(t)
}

// callMap is the headers or trailers of the answer proxy_on_http_call_response is
// about; NOT_FOUND outside that callback.
func (h hostCtx) callMap(t MapType) (HeaderMap, Status) {
	r := h.inst.call.httpResp
	if r == nil || r.Err != nil {
		return nil, StatusNotFound
	}
	if t == MapHTTPCallResponseHeaders {
		return readOnlyMap(r.Headers), StatusOK
	}
	return readOnlyMap(r.Trailers), StatusOK
}

// readOnlyMap serves reads of a call's answer; writableMap keeps writes away from it.
type readOnlyMap [][2]string

func (m readOnlyMap) Pairs() [][2]string { return m }
func (m readOnlyMap) Get(key string) (string, bool) {
	for _, p := range m {
		if p[0] == key {
			return p[1], true
		}
	}
	return "", false
}
func (readOnlyMap) Add(string, string)   {}
func (readOnlyMap) Set(string, string)   {}
func (readOnlyMap) Remove(string)        {}
func (readOnlyMap) SetPairs([][2]string) {}

// key reads a header name and lower-cases it.
func (h hostCtx) key(ptr, size uint32) (string, Status) {
	k, st := h.view(ptr, size, MaxKeyBytes)
	if st != StatusOK {
		return "", st
	}
	return h.inst.names.name(k), StatusOK // one copy at most, none for a common name or one seen before
}

// proxyGetHeaderMapSize(type, ret_size_ptr): the byte size of keys plus values, as
// Envoy answers it.
func proxyGetHeaderMapSize(h hostCtx, stack []uint64) Status {
	m, st := h.headerMap(MapType(arg(stack, 0)))
	if st != StatusOK {
		return st
	}
	size := 0
	for _, p := range m.Pairs() {
		size += len(p[0]) + len(p[1])
	}
	return h.writeU32(arg(stack, 1), uint32(size))
}

// proxyGetHeaderMapPairs(type, ret_ptr_ptr, ret_size_ptr).
func proxyGetHeaderMapPairs(h hostCtx, stack []uint64) Status {
	m, st := h.headerMap(MapType(arg(stack, 0)))
	if st != StatusOK {
		return st
	}
	h.inst.scratch = AppendEncodedPairs(h.inst.scratch[:0], m.Pairs())
	st = h.copyOut(h.inst.scratch, arg(stack, 1), arg(stack, 2))
	h.inst.trimScratch()
	return st
}

// keptScratchBytes bounds the buffer an instance keeps for its host calls' answers.
const keptScratchBytes = 64 << 10

// trimScratch lets go of the answers' buffer once a large answer (a large header map)
// grew it, rather than keep it for the instance's life.
func (i *Instance) trimScratch() {
	if cap(i.scratch) > keptScratchBytes {
		i.scratch = nil
	}
}

// proxySetHeaderMapPairs(type, ptr, size) replaces the whole map.
func proxySetHeaderMapPairs(h hostCtx, stack []uint64) Status {
	m, st := h.writableMap(MapType(arg(stack, 0)))
	if st != StatusOK {
		return st
	}
	raw, st := h.read(arg(stack, 1), arg(stack, 2), MaxPairsBytes)
	if st != StatusOK {
		return st
	}
	pairs, err := DecodePairs(raw)
	if err != nil {
		return StatusBadArgument
	}
	for k := range pairs {
		pairs[k][0] = strings.ToLower(pairs[k][0])
	}
	m.SetPairs(pairs)
	return StatusOK
}

// proxyGetHeaderMapValue(type, key_ptr, key_size, ret_ptr_ptr, ret_size_ptr): the first
// value. A missing key is NOT_FOUND from 0.2.0 on; 0.1.0 answered OK and empty.
func proxyGetHeaderMapValue(h hostCtx, stack []uint64) Status {
	m, st := h.headerMap(MapType(arg(stack, 0)))
	if st != StatusOK {
		return st
	}
	k, st := h.key(arg(stack, 1), arg(stack, 2))
	if st != StatusOK {
		return st
	}
	v, ok := m.Get(k)
	if !ok && h.inst.mod.version != "0.1.0" {
		return StatusNotFound
	}
	return h.copyOut([]byte(v), arg(stack, 3), arg(stack, 4))
}

// keyValue resolves the map, key and value of the add and replace calls.
func (h hostCtx) keyValue(stack []uint64) (HeaderMap, string, string, Status) {
	m, st := h.writableMap(MapType(arg(stack, 0)))
	if st != StatusOK {
		return nil, "", "", st
	}
	k, st := h.key(arg(stack, 1), arg(stack, 2))
	if st != StatusOK {
		return nil, "", "", st
	}
	v, st := h.readString(arg(stack, 3), arg(stack, 4), MaxValueBytes)
	return m, k, v, st
}

// proxyAddHeaderMapValue(type, key_ptr, key_size, value_ptr, value_size).
// BAD_ARGUMENT when the map would outgrow MaxMapEntries or MaxMapBytes.
func proxyAddHeaderMapValue(h hostCtx, stack []uint64) Status {
	m, k, v, st := h.keyValue(stack)
	if st != StatusOK {
		return st
	}
	if !fits(m, k, v, true) {
		return StatusBadArgument
	}
	m.Add(k, v)
	return StatusOK
}

// proxyReplaceHeaderMapValue(type, key_ptr, key_size, value_ptr, value_size): set or
// add, within the same caps as add.
func proxyReplaceHeaderMapValue(h hostCtx, stack []uint64) Status {
	m, k, v, st := h.keyValue(stack)
	if st != StatusOK {
		return st
	}
	if !fits(m, k, v, false) {
		return StatusBadArgument
	}
	m.Set(k, v)
	return StatusOK
}

// fits says whether adding (or, when add is false, setting) k: v keeps the map within
// MaxMapEntries and MaxMapBytes. Fields with key k are not counted for a set, which
// replaces them.
func fits(m HeaderMap, k, v string, add bool) bool {
	pairs := m.Pairs()
	size := len(k) + len(v)
	for _, p := range pairs {
		size += len(p[0]) + len(p[1])
	}
	if len(pairs)+1 <= MaxMapEntries && size <= MaxMapBytes {
		return true // fits with every field counted, replaced ones included
	}
	if add {
		return false
	}
	entries, size := 1, len(k)+len(v)
	for _, p := range pairs {
		if p[0] != k {
			entries++
			size += len(p[0]) + len(p[1])
		}
	}
	return entries <= MaxMapEntries && size <= MaxMapBytes
}

// proxyRemoveHeaderMapValue(type, key_ptr, key_size): OK even when absent.
func proxyRemoveHeaderMapValue(h hostCtx, stack []uint64) Status {
	m, st := h.writableMap(MapType(arg(stack, 0)))
	if st != StatusOK {
		return st
	}
	k, st := h.key(arg(stack, 1), arg(stack, 2))
	if st == StatusOK {
		m.Remove(k)
	}
	return st
}
