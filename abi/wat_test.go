package abi

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCompileRejectsModuleWithoutMarker(t *testing.T) {
	rt := newRuntime(t, 0)
	_, err := rt.Compile(context.Background(), fixture(t, "no_marker"))
	if !errors.Is(err, ErrInvalidModule) || !strings.Contains(err.Error(), "proxy_abi_version") {
		t.Fatalf("Compile error = %v, want ErrInvalidModule naming the marker", err)
	}
}

func TestCompileRejectsGarbage(t *testing.T) {
	rt := newRuntime(t, 0)
	if _, err := rt.Compile(context.Background(), []byte("not wasm")); !errors.Is(err, ErrInvalidModule) {
		t.Fatalf("Compile error = %v, want ErrInvalidModule", err)
	}
}

func TestABIVersionFromMarker(t *testing.T) {
	rt := newRuntime(t, 0)
	for name, want := range map[string]string{"trap": "0.2.1", "abi010": "0.1.0"} {
		m, err := rt.Compile(context.Background(), fixture(t, name))
		if err != nil {
			t.Fatalf("Compile %s: %v", name, err)
		}
		if got := m.ABIVersion(); got != want {
			t.Errorf("%s: ABIVersion = %q, want %q", name, got, want)
		}
	}
}

// TestFailuresRetireTheInstance covers a trap and an endless loop: both end the call
// with ErrInstanceFailed, leave the instance unhealthy and refuse every later call.
func TestFailuresRetireTheInstance(t *testing.T) {
	tests := []struct {
		fixture string
		within  time.Duration
	}{
		{fixture: "trap", within: time.Second},
		{fixture: "loop", within: 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			rt := newRuntime(t, 200*time.Millisecond)
			ev := &events{}
			inst, h := setup(t, rt, fixture(t, tt.fixture), &fakeServices{ev: ev}, "", newStream(ev))
			start := time.Now()
			_, err := h.OnRequestHeaders(context.Background(), true)
			if !errors.Is(err, ErrInstanceFailed) {
				t.Fatalf("OnRequestHeaders error = %v, want ErrInstanceFailed", err)
			}
			if took := time.Since(start); took > tt.within {
				t.Fatalf("failure took %v, want under %v", took, tt.within)
			}
			if inst.Healthy() {
				t.Fatal("instance still healthy after the failure")
			}
			if _, err := h.OnRequestHeaders(context.Background(), true); !errors.Is(err, ErrInstanceFailed) {
				t.Fatalf("second call error = %v, want ErrInstanceFailed at once", err)
			}
		})
	}
}

func TestBadPointerIsInvalidMemoryAccess(t *testing.T) {
	rt := newRuntime(t, 0)
	ev := &events{}
	inst, h := setup(t, rt, fixture(t, "bad_pointer"), &fakeServices{ev: ev}, "", newStream(ev, [2]string{"a", "b"}))
	if _, err := h.OnRequestHeaders(context.Background(), true); err != nil {
		t.Fatalf("OnRequestHeaders: %v", err)
	}
	want := []string{"log info test-plugin: ima", "log info test-plugin: ima"}
	if got := ev.all(); !reflect.DeepEqual(got, want) {
		t.Fatalf("events = %q, want %q", got, want)
	}
	if !inst.Healthy() {
		t.Fatal("a bad pointer must not retire the instance")
	}
}

func TestHeadersRoundTrip(t *testing.T) {
	rt := newRuntime(t, 0)
	ev := &events{}
	s := newStream(ev, [2]string{":path", "/x?y=1"}, [2]string{"x-in", "hello"}, [2]string{"x-in", "second"})
	_, h := setup(t, rt, fixture(t, "headers"), &fakeServices{ev: ev}, "", s)
	if _, err := h.OnRequestHeaders(context.Background(), true); err != nil {
		t.Fatalf("OnRequestHeaders: %v", err)
	}
	wantResp := [][2]string{{":path", "/x?y=1"}, {"x-in", "hello"}, {"x-in", "second"}}
	if got := s.maps[MapResponseHeaders].pairs; !reflect.DeepEqual(got, wantResp) {
		t.Errorf("response headers = %q, want %q", got, wantResp)
	}
	if v, _ := s.maps[MapRequestHeaders].Get("x-copied"); v != "hello" {
		t.Errorf("x-copied = %q, want the first x-in value", v)
	}
	last := s.maps[MapRequestHeaders].pairs[3]
	if last[0] != "x-copied" {
		t.Errorf("added key %q, want it lower-cased", last[0])
	}
}

func TestLocalResponseIsDeliveredAfterTheCallback(t *testing.T) {
	rt := newRuntime(t, 0)
	ev := &events{}
	s := newStream(ev)
	_, h := setup(t, rt, fixture(t, "local_response"), &fakeServices{ev: ev}, "", s)
	action, err := h.OnRequestHeaders(context.Background(), true)
	if err != nil {
		t.Fatalf("OnRequestHeaders: %v", err)
	}
	if action != ActionPause {
		t.Errorf("action = %d, want ActionPause after a local response", action)
	}
	if got, want := ev.all(), []string{"log info test-plugin: after", "local 403"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("events = %q, want %q", got, want)
	}
	want := LocalResponse{Status: 403, Details: "denied", Body: []byte("no"),
		Headers: [][2]string{{"x-why", "test"}}, GRPCStatus: -1}
	if !reflect.DeepEqual(s.local[0], want) {
		t.Fatalf("local response = %+v, want %+v", s.local[0], want)
	}
}

func TestABI010(t *testing.T) {
	rt := newRuntime(t, 0)
	ctx := context.Background()
	ev := &events{}
	inst, h := setup(t, rt, fixture(t, "abi010"), &fakeServices{ev: ev}, "cfg-bytes", newStream(ev))
	if got := ev.all(); len(got) != 1 || got[0] != "log info test-plugin: cfg-bytes" {
		t.Fatalf("on_configure logged %q, want the configuration via proxy_get_configuration", got)
	}
	if _, err := h.OnRequestHeaders(ctx, false); err != nil {
		t.Fatalf("OnRequestHeaders (2-arg, missing key OK+empty): %v", err)
	}
	if _, err := inst.NewRoot(ctx, "p", "", nil); !errors.Is(err, ErrConfigureRejected) {
		t.Fatalf("NewRoot with empty config error = %v, want ErrConfigureRejected", err)
	}
}

// TestFixturesFresh rebuilds every WAT fixture and fails when a committed .wasm differs.
func TestFixturesFresh(t *testing.T) {
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Skip("wat2wasm not installed (apt-get install wabt)")
	}
	sources, _ := filepath.Glob(filepath.Join("..", "testdata", "wat", "*.wat"))
	for _, src := range sources {
		out := filepath.Join(t.TempDir(), "out.wasm")
		if b, err := exec.Command("wat2wasm", src, "-o", out).CombinedOutput(); err != nil {
			t.Fatalf("wat2wasm %s: %v\n%s", src, err, b)
		}
		fresh, _ := os.ReadFile(out)
		committed, _ := os.ReadFile(strings.TrimSuffix(src, ".wat") + ".wasm")
		if string(fresh) != string(committed) {
			t.Errorf("%s.wasm is stale: rebuild it (see testdata/wat/README.md)", strings.TrimSuffix(src, ".wat"))
		}
	}
}

func TestPropertiesContextsBuffersTimers(t *testing.T) {
	rt := newRuntime(t, 0)
	ev := &events{}
	s := newStream(ev)
	s.bodies[BufferRequestBody].b = []byte("body")
	inst, h := setup(t, rt, fixture(t, "misc"), &fakeServices{ev: ev}, "", s)
	if _, err := h.OnRequestHeaders(context.Background(), false); err != nil {
		t.Fatalf("OnRequestHeaders: %v", err)
	}
	if got := ev.all(); !reflect.DeepEqual(got, []string{"log info test-plugin: test-plugin"}) {
		t.Errorf("events = %q, want plugin_name logged", got)
	}
	if got := string(s.bodies[BufferRequestBody].b); got != "pre-body" {
		t.Errorf("body = %q, want pre-body", got)
	}
	if !inst.Healthy() {
		t.Fatal("instance unhealthy")
	}
}

func TestSplice(t *testing.T) {
	tests := []struct {
		name        string
		start, size uint64
		want        string
	}{
		{"prepend", 0, 0, "XYabc"},
		{"append", 1 << 31, 0, "abcXY"},
		{"replace all", 0, 1 << 31, "XY"},
		{"replace middle", 1, 1, "aXYc"},
		{"insert", 2, 0, "abXYc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(splice([]byte("abc"), tt.start, tt.size, []byte("XY"))); got != tt.want {
				t.Fatalf("splice = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMissingCallbacksAnswerContinue(t *testing.T) {
	rt := newRuntime(t, 0)
	ev := &events{}
	inst, h := setup(t, rt, fixture(t, "trap"), &fakeServices{ev: ev}, "", newStream(ev))
	ctx := context.Background()
	for _, step := range []func() (Action, error){
		func() (Action, error) { return h.OnRequestBody(ctx, 3, true) },
		func() (Action, error) { return h.OnResponseHeaders(ctx, true) },
		func() (Action, error) { return h.OnResponseBody(ctx, 3, true) },
	} {
		if a, err := step(); a != ActionContinue || err != nil {
			t.Fatalf("callback not exported: got %d, %v; want continue, nil", a, err)
		}
	}
	h.Finish(ctx)
	if !inst.Healthy() {
		t.Fatal("the trapping export was called")
	}
}

// TestGoMemLimitFollowsTheCap: every instance's WASI environment carries GOMEMLIMIT at
// three quarters of the memory cap, so a Go guest's collector works harder before its
// heap reaches the cap, whatever wasm_memory_limit says.
func TestGoMemLimitFollowsTheCap(t *testing.T) {
	for _, tt := range []struct {
		pages uint32
		want  string
	}{
		{0, "GOMEMLIMIT=50331648B"},     // the 64 MiB default
		{4096, "GOMEMLIMIT=201326592B"}, // 256 MiB
	} {
		ctx := context.Background()
		rt, err := NewRuntime(ctx, Config{MemoryLimitPages: tt.pages})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(ctx)
		m, err := rt.Compile(ctx, fixture(t, "environ"))
		if err != nil {
			t.Fatal(err)
		}
		ev := &events{}
		instantiate(t, m, &fakeServices{ev: ev}, "", newStream(ev))
		if logs := strings.Join(ev.all(), "\n"); !strings.Contains(logs, tt.want+"\x00") {
			t.Errorf("cap of %d pages: the guest's environment logged %q, want %s", tt.pages, logs, tt.want)
		}
	}
}
