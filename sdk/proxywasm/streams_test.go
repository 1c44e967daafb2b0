package proxywasm

import "testing"

// TestStreamTable: streams whose ids share a slot (ids streamSlots apart) live side by
// side through the overflow map, and removing one leaves the other findable.
func TestStreamTable(t *testing.T) {
	const a, b, c = 7, 7 + streamSlots, 7 + 2*streamSlots
	tests := []struct {
		name    string
		put     []uint32
		remove  []uint32
		present []uint32
		absent  []uint32
	}{
		{"one stream", []uint32{a}, nil, []uint32{a}, []uint32{b, 0, 8}},
		{"colliding ids", []uint32{a, b, c}, nil, []uint32{a, b, c}, []uint32{8}},
		{"slot holder removed", []uint32{a, b}, []uint32{a}, []uint32{b}, []uint32{a}},
		{"overflowed removed", []uint32{a, b, c}, []uint32{b}, []uint32{a, c}, []uint32{b}},
		{"slot reused after removal", []uint32{a, b}, []uint32{a, b}, nil, []uint32{a, b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st streamTable
			for _, id := range tt.put {
				st.put(stream{id: id, root: id + 1})
			}
			for _, id := range tt.remove {
				st.remove(id)
			}
			for _, id := range tt.present {
				if s := st.get(id); s == nil || s.id != id || s.root != id+1 {
					t.Errorf("get(%d) = %+v, want stream %d under root %d", id, s, id, id+1)
				}
			}
			for _, id := range tt.absent {
				if s := st.get(id); s != nil {
					t.Errorf("get(%d) = %+v, want none", id, s)
				}
			}
		})
	}
}
