package weir

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// fakeShared is shared data as proxy-wasm hosts keep it: every write gets a fresh cas,
// a missing key accepts any cas, cas 0 is unconditional.
type fakeShared struct {
	next uint32
	vals map[string][]byte
	cas  map[string]uint32
}

func (f *fakeShared) get(k string) ([]byte, uint32, error) {
	v, ok := f.vals[k]
	if !ok {
		return nil, 0, types.ErrorStatusNotFound
	}
	return v, f.cas[k], nil
}

func (f *fakeShared) set(k string, v []byte, cas uint32) error {
	if cur, ok := f.cas[k]; ok && cas != 0 && cas != cur {
		return types.ErrorStatusCasMismatch
	}
	f.next++
	f.vals[k], f.cas[k] = v, f.next
	return nil
}

// TestCounterCreateRace: two instances both find the key missing, then both write;
// the second write must fail and retry, so both increments count.
func TestCounterCreateRace(t *testing.T) {
	f := &fakeShared{vals: map[string][]byte{}, cas: map[string]uint32{}}
	useCASLoop(t)
	oldGet, oldSet := getShared, setShared
	t.Cleanup(func() { getShared, setShared = oldGet, oldSet })
	getShared = f.get
	// The first instance's read happens; before its write, the second instance runs
	// its whole Add (reads missing, creates the key).
	interleaved := false
	setShared = func(k string, v []byte, cas uint32) error {
		if k == "hits" && !interleaved {
			interleaved = true
			setShared = f.set
			if _, err := NewCounter("hits").Add(1); err != nil {
				t.Fatal(err)
			}
		}
		return f.set(k, v, cas)
	}
	n, err := NewCounter("hits").Add(1)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("second Add returned %d, want 2: an increment was lost", n)
	}
}

// TestCounterInitRace: an Init that loses the creation race to another instance's
// write reports created=false and leaves that write alone.
func TestCounterInitRace(t *testing.T) {
	f := &fakeShared{vals: map[string][]byte{}, cas: map[string]uint32{}}
	useCASLoop(t)
	oldGet, oldSet := getShared, setShared
	t.Cleanup(func() { getShared, setShared = oldGet, oldSet })
	getShared = f.get
	interleaved := false
	setShared = func(k string, v []byte, cas uint32) error {
		if k == "gen" && !interleaved {
			interleaved = true
			if err := f.set("gen", encodeInt(7), 0); err != nil {
				t.Fatal(err)
			}
		}
		return f.set(k, v, cas)
	}
	created, err := NewCounter("gen").Init(1)
	if err != nil || created {
		t.Fatalf("created=%v err=%v, want false: the key was written first by another instance", created, err)
	}
	if n, _ := NewCounter("gen").Get(); n != 7 {
		t.Fatalf("value %d, want the other instance's 7", n)
	}
}

// useCASLoop makes Counter.Add take the compare-and-swap loop, as on a host without
// weir.counter_add.
func useCASLoop(t *testing.T) {
	old := hostAdd
	t.Cleanup(func() { hostAdd = old })
	hostAdd = func(string, int64) (int64, bool, error) { return 0, false, nil }
}
