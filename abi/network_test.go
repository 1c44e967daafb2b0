package abi

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// fakeConn is a connection for network contexts: data buffers and a stream
// controller that records what the plugin asked.
type fakeConn struct{ *fakeStream }

func (c fakeConn) ContinueStream(t StreamType) { c.ev.add(fmt.Sprintf("continue %d", t)) }
func (c fakeConn) CloseStream(t StreamType)    { c.ev.add(fmt.Sprintf("close %d", t)) }

func newConn(ev *events) fakeConn {
	s := newStream(ev)
	s.bodies[BufferDownstreamData] = &fakeBuffer{}
	s.bodies[BufferUpstreamData] = &fakeBuffer{}
	return fakeConn{s}
}

func networkSetup(t *testing.T) (*Instance, *NetworkContext, fakeConn, *events) {
	t.Helper()
	rt := newRuntime(t, 0)
	ctx := context.Background()
	m, err := rt.Compile(ctx, fixture(t, "network"))
	if err != nil {
		t.Fatal(err)
	}
	if !m.HandlesNetwork() || m.HandlesHTTP() {
		t.Fatalf("HandlesNetwork = %t, HandlesHTTP = %t; want an L4-only module", m.HandlesNetwork(), m.HandlesHTTP())
	}
	ev := &events{}
	inst, err := m.NewInstance(ctx, &fakeServices{ev: ev}, InstanceConfig{VMID: "vm"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Close(ctx) })
	root, err := inst.NewRoot(ctx, "net", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	conn := newConn(ev)
	nc, err := inst.NewNetwork(ctx, root, conn)
	if err != nil {
		t.Fatal(err)
	}
	return inst, nc, conn, ev
}

func TestNetworkContextData(t *testing.T) {
	_, nc, conn, ev := networkSetup(t)
	ctx := context.Background()
	if a, err := nc.OnNewConnection(ctx); err != nil || a != ActionContinue {
		t.Fatalf("OnNewConnection = %v, %v", a, err)
	}
	down := conn.bodies[BufferDownstreamData]
	down.b = []byte("hel")
	if a, err := nc.OnDownstreamData(ctx, 3, false); err != nil || a != ActionPause {
		t.Fatalf("partial line: %v, %v; want PAUSE", a, err)
	}
	down.b = []byte("hello\n")
	if a, err := nc.OnDownstreamData(ctx, 6, false); err != nil || a != ActionContinue {
		t.Fatalf("whole line: %v, %v; want CONTINUE", a, err)
	}
	if string(down.b) != "[hello\n]" {
		t.Errorf("downstream data = %q, want it wrapped", down.b)
	}
	up := conn.bodies[BufferUpstreamData]
	up.b = []byte("hi")
	if a, err := nc.OnUpstreamData(ctx, 2, false); err != nil || a != ActionContinue {
		t.Fatalf("OnUpstreamData = %v, %v", a, err)
	}
	if string(up.b) != "<hi" {
		t.Errorf("upstream data = %q, want \"<hi\"", up.b)
	}
	if err := nc.OnDownstreamClose(ctx, PeerRemote); err != nil {
		t.Fatal(err)
	}
	if err := nc.OnUpstreamClose(ctx, PeerLocal); err != nil {
		t.Fatal(err)
	}
	nc.Finish(ctx)
	want := []string{"log info net: downstream close 2", "log info net: upstream close 1", "log info net: done"}
	if got := ev.all(); !reflect.DeepEqual(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func TestNetworkCloseStreamAfterCallback(t *testing.T) {
	_, nc, conn, ev := networkSetup(t)
	conn.bodies[BufferDownstreamData].b = []byte("quit")
	if _, err := nc.OnDownstreamData(context.Background(), 4, false); err != nil {
		t.Fatal(err)
	}
	if got := ev.all(); !reflect.DeepEqual(got, []string{"close 2"}) {
		t.Errorf("events = %q, want the downstream closed", got)
	}
}

func TestNetworkTrapRetiresInstance(t *testing.T) {
	inst, nc, conn, _ := networkSetup(t)
	conn.bodies[BufferDownstreamData].b = []byte("!boom")
	if _, err := nc.OnDownstreamData(context.Background(), 5, false); !errors.Is(err, ErrInstanceFailed) {
		t.Fatalf("error = %v, want ErrInstanceFailed", err)
	}
	if inst.Healthy() {
		t.Error("the instance is still healthy after a trap")
	}
	nc.Finish(context.Background()) // forgets the context without calling the guest
}

func TestNetworkBufferStatusEndOfStream(t *testing.T) {
	_, nc, conn, _ := networkSetup(t)
	conn.bodies[BufferDownstreamData].b = []byte("no newline")
	a, err := nc.OnDownstreamData(context.Background(), 10, true)
	if err != nil || a != ActionContinue {
		t.Fatalf("at end of stream: %v, %v; want CONTINUE", a, err)
	}
	if got := string(conn.bodies[BufferDownstreamData].b); got != "[no newline]" {
		t.Errorf("data = %q", got)
	}
}
