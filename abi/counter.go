package abi

import "encoding/binary"

// fnCounterAdd is the foreign function that adds to a counter in shared data in one
// host call: the value an 8-byte little-endian integer, as weir's SDK stores its
// counters. Through the ABI alone an increment is a read and a compare-and-swap write,
// two host calls and a loop in the guest, on every request that counts (rate-limiting).
// Arguments: the delta (8 bytes, little-endian, signed), then the key. Result: the new
// value, 8 bytes. A missing key starts at 0; a value of another size is BAD_ARGUMENT.
const fnCounterAdd = "weir.counter_add"

// counterAdd serves fnCounterAdd for the calling instance's VM id.
func counterAdd(h hostCtx, args []byte) ([]byte, Status) {
	if len(args) < 8 || len(args) > 8+MaxKeyBytes {
		return nil, StatusBadArgument
	}
	delta := int64(binary.LittleEndian.Uint64(args))
	n, st := h.inst.mod.rt.shared.add(h.inst.vmID, args[8:], delta)
	if st != StatusOK {
		return nil, st
	}
	h.inst.scratch = binary.LittleEndian.AppendUint64(h.inst.scratch[:0], uint64(n))
	return h.inst.scratch, StatusOK
}

// add adds delta to the 8-byte counter under key (0 when missing) and stores the sum
// with a fresh cas, so compare-and-swap writers of the same key see the change.
// The key is only copied when it is new: a counter is mostly added to.
func (s *sharedData) add(vmID string, rawKey []byte, delta int64) (int64, Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vm(vmID)
	el, ok := v.entries[string(rawKey)]
	if !ok {
		key := string(rawKey)
		value := binary.LittleEndian.AppendUint64(nil, uint64(delta))
		if len(key)+len(value) > s.limit {
			return 0, StatusBadArgument
		}
		el = v.lru.PushFront(&sharedEntry{key: key, value: value, cas: s.nextCAS()})
		v.entries[key] = el
		v.bytes += len(key) + len(value)
		v.evict(el, s.limit)
		return delta, StatusOK
	}
	e := el.Value.(*sharedEntry)
	if len(e.value) != 8 {
		return 0, StatusBadArgument
	}
	n := int64(binary.LittleEndian.Uint64(e.value)) + delta
	binary.LittleEndian.PutUint64(e.value, uint64(n)) // get hands out copies: this one is ours
	e.cas = s.nextCAS()
	v.lru.MoveToFront(el)
	return n, StatusOK
}
