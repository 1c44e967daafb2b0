package abi

import (
	"encoding/binary"
	"strings"
	"testing"
)

// TestSharedDataAdd: weir.counter_add's store side: a missing key starts at the delta,
// an 8-byte value is added to with a fresh cas that compare-and-swap writers see, and
// a value of another size or an oversized key is refused.
func TestSharedDataAdd(t *testing.T) {
	s := newSharedData()
	s.limit = 64
	if st := s.set("vm", "text", []byte("abc"), 0); st != StatusOK {
		t.Fatal(st)
	}
	tests := []struct {
		name  string
		key   string
		delta int64
		want  int64
		st    Status
	}{
		{"missing key starts at delta", "hits", 1, 1, StatusOK},
		{"added to", "hits", 41, 42, StatusOK},
		{"negative delta", "hits", -2, 40, StatusOK},
		{"not a counter", "text", 1, 0, StatusBadArgument},
		{"over the partition's limit", strings.Repeat("k", 60), 1, 0, StatusBadArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, casBefore, _ := s.get("vm", tt.key)
			n, st := s.add("vm", []byte(tt.key), tt.delta)
			if st != tt.st || n != tt.want {
				t.Fatalf("add = %d, %v; want %d, %v", n, st, tt.want, tt.st)
			}
			if st != StatusOK {
				return
			}
			v, cas, ok := s.get("vm", tt.key)
			if !ok || int64(binary.LittleEndian.Uint64(v)) != tt.want {
				t.Fatalf("get = %v, %v; want %d", v, ok, tt.want)
			}
			if cas == casBefore {
				t.Fatal("cas unchanged: a compare-and-swap writer would overwrite the addition")
			}
			if st := s.set("vm", tt.key, v, casBefore); casBefore != 0 && st != StatusCASMismatch {
				t.Fatalf("a write with the old cas: %v, want CAS_MISMATCH", st)
			}
		})
	}
	if _, _, ok := s.get("other-vm", "hits"); ok {
		t.Fatal("counter visible to another VM id")
	}
}

// TestCounterAddArgs: weir.counter_add's arguments and answer as the ABI carries them.
func TestCounterAddArgs(t *testing.T) {
	rt := newRuntime(t, 0)
	ev := &events{}
	inst, _ := setup(t, rt, fixture(t, "headers"), &fakeServices{ev: ev}, "", newStream(ev))
	h := hostCtx{inst: inst, mem: inst.guest.Memory()}
	args := func(delta int64, key string) []byte {
		return append(binary.LittleEndian.AppendUint64(nil, uint64(delta)), key...)
	}
	for _, tt := range []struct {
		name string
		args []byte
		want []byte
		st   Status
	}{
		{"first add", args(3, "k"), binary.LittleEndian.AppendUint64(nil, 3), StatusOK},
		{"second add", args(-1, "k"), binary.LittleEndian.AppendUint64(nil, 2), StatusOK},
		{"no delta", []byte{1, 2, 3}, nil, StatusBadArgument},
	} {
		res, st := counterAdd(h, tt.args)
		if st != tt.st || string(res) != string(tt.want) {
			t.Errorf("%s: %v, %v; want %v, %v", tt.name, res, st, tt.want, tt.st)
		}
	}
}
