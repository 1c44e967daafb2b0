package abi

import (
	"container/list"
	"sync"
)

// sharedData is the key-value store every instance of a runtime shares, partitioned by
// VM id, as Envoy's is. Each VM id's partition holds at most MaxSharedDataBytes of keys
// and values; past it the least recently used keys are evicted (a guest that finds its
// key gone starts again with cas 0, which every CAS loop already handles).
type sharedData struct {
	mu    sync.Mutex
	cas   uint32
	vms   map[string]*sharedVM
	limit int // MaxSharedDataBytes; tests lower it
}

type sharedVM struct {
	entries map[string]*list.Element // of *sharedEntry
	lru     *list.List               // front: most recently used
	bytes   int
}

type sharedEntry struct {
	key   string
	value []byte
	cas   uint32
}

func newSharedData() *sharedData {
	return &sharedData{vms: map[string]*sharedVM{}, limit: MaxSharedDataBytes}
}

func (s *sharedData) vm(id string) *sharedVM {
	v := s.vms[id]
	if v == nil {
		v = &sharedVM{entries: map[string]*list.Element{}, lru: list.New()}
		s.vms[id] = v
	}
	return v
}

// get returns a copy of the value and its cas, or false.
func (s *sharedData) get(vmID, key string) ([]byte, uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vm(vmID)
	el, ok := v.entries[key]
	if !ok {
		return nil, 0, false
	}
	v.lru.MoveToFront(el)
	e := el.Value.(*sharedEntry)
	return append([]byte(nil), e.value...), e.cas, true
}

// set stores value under key. A non-zero cas must match the key's current cas (cas 0
// is unconditional, and a missing key accepts any cas, as in cpp-host); otherwise it
// answers StatusCASMismatch. Every write gets a fresh cas.
func (s *sharedData) set(vmID, key string, value []byte, cas uint32) Status {
	size := len(key) + len(value)
	if size > s.limit {
		return StatusBadArgument
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vm(vmID)
	el, ok := v.entries[key]
	if ok {
		e := el.Value.(*sharedEntry)
		if cas != 0 && cas != e.cas {
			return StatusCASMismatch
		}
		v.bytes -= len(e.key) + len(e.value)
		e.value, e.cas = append([]byte(nil), value...), s.nextCAS()
		v.lru.MoveToFront(el)
	} else {
		el = v.lru.PushFront(&sharedEntry{key: key, value: append([]byte(nil), value...), cas: s.nextCAS()})
		v.entries[key] = el
	}
	v.bytes += size
	v.evict(el, s.limit)
	return StatusOK
}

// evict drops least recently used entries, never keep, until the partition fits.
func (v *sharedVM) evict(keep *list.Element, limit int) {
	for v.bytes > limit {
		last := v.lru.Back()
		if last == keep {
			return
		}
		e := last.Value.(*sharedEntry)
		v.lru.Remove(last)
		delete(v.entries, e.key)
		v.bytes -= len(e.key) + len(e.value)
	}
}

// nextCAS returns a fresh cas, never 0 (0 means "unconditional"). mu is held.
func (s *sharedData) nextCAS() uint32 {
	s.cas++
	if s.cas == 0 {
		s.cas++
	}
	return s.cas
}
