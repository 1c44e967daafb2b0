package proxywasm

import (
	"errors"
	"reflect"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func TestPairsRoundTrip(t *testing.T) {
	tests := [][][2]string{
		{},
		{{":path", "/"}},
		{{"a", ""}, {"", "b"}, {"key", "välue"}},
	}
	for _, pairs := range tests {
		got, err := decodePairs(encodePairs(pairs))
		if err != nil || !reflect.DeepEqual(got, pairs) {
			t.Errorf("round trip of %q = %q, %v", pairs, got, err)
		}
	}
	if _, err := decodePairs([]byte{1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 'a'}); !errors.Is(err, errBadPairs) {
		t.Errorf("short data: err = %v, want errBadPairs", err)
	}
}

func TestReceivedClaimsTheAllocation(t *testing.T) {
	allocate(8)
	copy(pending[0], "hello!!!")
	got := received(addressOf(pending[0]), 5)
	if string(got) != "hello" || len(pending) != 0 {
		t.Fatalf("received = %q with %d pending, want hello and none", got, len(pending))
	}
	if received(0, 0) != nil {
		t.Fatal("a zero pointer must give nil")
	}
}

// TestAppendReceived: a value in an allocated block is appended to the caller's
// buffer, or handed over as it is when the caller has none; either way the pending
// blocks are released.
func TestAppendReceived(t *testing.T) {
	allocate(8)
	copy(pending[0], "hello!!!")
	block := pending[0]
	buf := make([]byte, 0, 16)
	got := appendReceived(append(buf, "> "...), addressOf(block), 5)
	if string(got) != "> hello" || &got[0] != &buf[:1][0] || len(pending) != 0 {
		t.Fatalf("appendReceived = %q (own buffer %v), %d pending; want \"> hello\" in the caller's buffer, none",
			got, &got[0] == &buf[:1][0], len(pending))
	}
	allocate(8)
	copy(pending[0], "world!!!")
	block = pending[0]
	got = appendReceived(nil, addressOf(block), 5)
	if string(got) != "world" || &got[0] != &block[0] || len(pending) != 0 {
		t.Fatalf("appendReceived(nil) = %q, a copy %v, %d pending; want the block itself, none",
			got, &got[0] != &block[0], len(pending))
	}
}

func TestNativeBuildHasNoHost(t *testing.T) {
	if _, err := GetPluginConfiguration(); !errors.Is(err, ErrNoHost) {
		t.Fatalf("err = %v, want ErrNoHost", err)
	}
}

type recorder struct {
	types.DefaultHttpContext
	calls []string
}

func (r *recorder) OnHttpRequestHeaders(n int, eos bool) types.Action {
	r.calls = append(r.calls, "headers")
	return types.ActionPause
}

func (r *recorder) OnHttpStreamDone() { r.calls = append(r.calls, "done") }

func TestDispatchThroughSetHttpContext(t *testing.T) {
	rec := &recorder{}
	SetHttpContext(func(uint32) types.HttpContext { return rec })
	onContextCreate(1, 0)
	if !onConfigure(1, 0) {
		t.Fatal("default plugin context must accept its configuration")
	}
	onContextCreate(2, 1)
	if a := onRequestHeaders(2, 3, true); a != uint32(types.ActionPause) {
		t.Fatalf("action = %d, want pause", a)
	}
	if a := onRequestHeaders(99, 0, true); a != uint32(types.ActionContinue) {
		t.Fatalf("unknown context action = %d, want continue", a)
	}
	onLog(2)
	onDelete(2)
	if !reflect.DeepEqual(rec.calls, []string{"headers", "done"}) {
		t.Fatalf("calls = %q", rec.calls)
	}
	if vm.streams.get(2) != nil {
		t.Fatal("deleted context still registered")
	}
}
