package proxywasm

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

// stream is one HTTP or TCP context and the plugin context it was created under.
type stream struct {
	id   uint32
	root uint32
	http types.HttpContext
	tcp  types.TcpContext
}

// streamSlots is the size of streamTable's direct-mapped part: more than the streams
// one instance holds at once under ordinary load, a power of two.
const streamSlots = 512

// streamTable finds a stream context by id without a Go map in the common case: the
// host numbers contexts in sequence, so the live ones fall into distinct slots of
// id % streamSlots, and only a stream whose slot is taken goes to the overflow map.
// Map operations were a tenth of a Go guest's time per request; a slot is an index.
type streamTable struct {
	slots    [streamSlots]stream
	overflow map[uint32]*stream
}

// get returns the stream with id, or nil.
func (t *streamTable) get(id uint32) *stream {
	if id == 0 {
		return nil
	}
	if s := &t.slots[id%streamSlots]; s.id == id {
		return s
	}
	if t.overflow != nil {
		return t.overflow[id]
	}
	return nil
}

// put records a stream (id is not 0: the host's ids start at 1).
func (t *streamTable) put(s stream) {
	if slot := &t.slots[s.id%streamSlots]; slot.id == 0 || slot.id == s.id {
		*slot = s
		return
	}
	if t.overflow == nil {
		t.overflow = map[uint32]*stream{}
	}
	p := new(stream) // not &s: that would put every s on the heap
	*p = s
	t.overflow[s.id] = p
}

// remove forgets the stream with id.
func (t *streamTable) remove(id uint32) {
	if slot := &t.slots[id%streamSlots]; slot.id == id {
		*slot = stream{}
		return
	}
	if t.overflow != nil {
		delete(t.overflow, id)
	}
}
