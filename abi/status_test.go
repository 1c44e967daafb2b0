package abi

import (
	"context"
	"errors"
	"testing"
)

// TestGetStatusPerContext checks that proxy_get_status answers the last callout
// answered to the current context, kept after the callback, and that another context
// of the same instance is not affected.
func TestGetStatusPerContext(t *testing.T) {
	rt := newRuntime(t, 0)
	ev := &events{}
	svc := &fakeServices{ev: ev}
	inst, h := setup(t, rt, fixture(t, "misc"), svc, "", newStream(ev))
	other, err := inst.NewHTTP(context.Background(), &Root{inst: inst, state: h.state.root}, newStream(ev))
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(id uint32, r HTTPCallResponse) {
		p := &pendingCall{id: id, owner: h.state, cancel: func() {}}
		inst.mu.Lock()
		inst.calls[id] = p
		inst.mu.Unlock()
		inst.deliverHTTPCall(p, r)
	}
	status := func(c *contextState) (uint32, string) {
		t.Helper()
		inst.mu.Lock()
		defer inst.mu.Unlock()
		inst.call.current = c
		defer func() { inst.call = callState{} }()
		mem := inst.guest.Memory()
		hc := hostCtx{ctx: context.Background(), inst: inst, mem: mem}
		if st := proxyGetStatus(hc, []uint64{60000, 60004, 60008}); st != StatusOK {
			t.Fatalf("proxy_get_status: %d", st)
		}
		code, _ := mem.ReadUint32Le(60000)
		ptr, _ := mem.ReadUint32Le(60004)
		size, _ := mem.ReadUint32Le(60008)
		msg, _ := mem.Read(ptr, size)
		return code, string(msg)
	}

	if code, msg := status(h.state); code != 0 || msg != "" {
		t.Fatalf("before any call: %d %q", code, msg)
	}
	deliver(1, HTTPCallResponse{Err: errors.New("connection refused")})
	if code, msg := status(h.state); code != callStatusFailed || msg != "connection refused" {
		t.Fatalf("after a failed call: %d %q", code, msg)
	}
	if code, _ := status(h.state.root); code != callStatusFailed {
		t.Fatalf("the root the answer went to: %d", code)
	}
	if code, msg := status(other.state); code != 0 || msg != "" {
		t.Fatalf("another context: %d %q", code, msg)
	}
	deliver(2, HTTPCallResponse{Headers: [][2]string{{":status", "200"}}})
	if code, msg := status(h.state); code != 0 || msg != "" {
		t.Fatalf("after an answered call: %d %q", code, msg)
	}
}
