package abi

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestSharedDataCAS(t *testing.T) {
	s := newSharedData()
	if st := s.set("vm", "k", []byte("a"), 0); st != StatusOK {
		t.Fatalf("unconditional set = %d", st)
	}
	_, cas, ok := s.get("vm", "k")
	if !ok || cas == 0 {
		t.Fatalf("get: ok=%v cas=%d", ok, cas)
	}
	tests := []struct {
		name string
		cas  uint32
		want Status
	}{
		{"stale cas", cas + 100, StatusCASMismatch},
		{"current cas", cas, StatusOK},
		{"the same cas again is stale", cas, StatusCASMismatch},
		{"cas 0 is unconditional", 0, StatusOK},
	}
	for _, tt := range tests {
		if st := s.set("vm", "k", []byte(tt.name), tt.cas); st != tt.want {
			t.Errorf("%s: set = %d, want %d", tt.name, st, tt.want)
		}
	}
	if st := s.set("vm", "new", []byte("x"), 12345); st != StatusOK {
		t.Errorf("a missing key takes any cas, got %d", st)
	}
	if _, _, ok := s.get("other-vm", "k"); ok {
		t.Error("another VM id sees the key")
	}
}

func TestSharedDataEvictsLeastRecentlyUsed(t *testing.T) {
	s := newSharedData()
	s.limit = 10
	s.set("vm", "a", []byte("1234"), 0) // 5 bytes
	s.set("vm", "b", []byte("1234"), 0) // 10
	s.get("vm", "a")                    // a is now the most recent
	s.set("vm", "c", []byte("1234"), 0) // 15: b goes
	if _, _, ok := s.get("vm", "b"); ok {
		t.Error("b, the least recently used, was kept")
	}
	for _, k := range []string{"a", "c"} {
		if _, _, ok := s.get("vm", k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	if st := s.set("vm", "huge", make([]byte, 20), 0); st != StatusBadArgument {
		t.Errorf("a value over the bound = %d, want BAD_ARGUMENT", st)
	}
}

// TestServicesAcrossInstances runs testdata/wat/services.wat in two instances of one VM
// id and one of another: ticks share a CAS counter per VM id, metrics are shared by the
// VM's instances, and an enqueue reaches the queue's owner through on_queue_ready.
func TestServicesAcrossInstances(t *testing.T) {
	rt := newRuntime(t, 0)
	ctx := context.Background()
	m, err := rt.Compile(ctx, fixture(t, "services"))
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	svc := &fakeServices{ev: ev}
	var insts []*Instance
	var roots []*Root
	for _, vm := range []string{"vm1", "vm1", "vm2"} {
		inst, err := m.NewInstance(ctx, svc, InstanceConfig{VMID: vm})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = inst.Close(ctx) })
		root, err := inst.NewRoot(ctx, "svc", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		insts, roots = append(insts, inst), append(roots, root)
	}
	for k := 0; k < 2; k++ {
		h, err := insts[k].NewHTTP(ctx, roots[k], newStream(ev))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.OnRequestHeaders(ctx, true); err != nil {
			t.Fatal(err)
		}
		h.Finish(ctx)
	}
	waitFor(t, func() bool { return count(ev.all(), "dequeued hello") == 2 }, ev)
	for _, e := range ev.all() {
		if strings.Contains(e, "dequeued") && !strings.HasPrefix(e, "log info svc:") {
			t.Errorf("queue event %q, want it logged by the owner's root", e)
		}
	}
	values := map[string]int64{}
	rt.Metrics().Each(func(m *Metric) {
		if m.Type == MetricHistogram {
			_, _, n := m.Histogram()
			values[m.VMID+"/"+m.Name] = int64(n)
			return
		}
		values[m.VMID+"/"+m.Name] = m.Value()
	})
	want := map[string]int64{"vm1/requests": 2, "vm1/level": 42, "vm1/sizes": 2, "vm2/requests": 0, "vm2/level": 0, "vm2/sizes": 0}
	for k, v := range want {
		if values[k] != v {
			t.Errorf("metric %s = %d, want %d (all: %v)", k, values[k], v, values)
		}
	}
	waitFor(t, func() bool { return ticks(rt, "vm1") >= 10 && ticks(rt, "vm2") >= 5 }, ev)
	for _, inst := range insts {
		if !inst.Healthy() {
			t.Fatal("an instance failed: a status the fixture did not expect")
		}
	}
	roots[2].Close(ctx)
	before := ticks(rt, "vm2")
	time.Sleep(30 * time.Millisecond)
	if after := ticks(rt, "vm2"); after != before {
		t.Errorf("ticks went on after the root closed: %d -> %d", before, after)
	}
}

func ticks(rt *Runtime, vm string) uint32 {
	v, _, ok := rt.shared.get(vm, "ticks")
	if !ok || len(v) != 4 {
		return 0
	}
	return uint32(v[0]) | uint32(v[1])<<8 | uint32(v[2])<<16 | uint32(v[3])<<24
}

func count(list []string, s string) int {
	n := 0
	for _, e := range list {
		if strings.HasSuffix(e, s) {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, cond func() bool, ev *events) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within 3s; events: %q", ev.all())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
