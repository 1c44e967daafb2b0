package weir

import (
	"encoding/binary"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
)

// TestCounterAdd: on a host with weir.counter_add, Add is that one call (the delta,
// then the key); on a host without it, Add falls back to the compare-and-swap loop
// over shared data, and keeps to it.
func TestCounterAdd(t *testing.T) {
	for _, tt := range []struct {
		name     string
		hostAdds bool
	}{{"weir.counter_add", true}, {"shared data only", false}} {
		t.Run(tt.name, func(t *testing.T) {
			noHostAdd = false
			t.Cleanup(func() { noHostAdd = false })
			host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&types.DefaultVMContext{}))
			defer reset()
			counters, calls := map[string]int64{}, 0
			if tt.hostAdds {
				host.RegisterForeignFunction(fnCounterAdd, func(args []byte) []byte {
					calls++
					key := string(args[8:])
					counters[key] += int64(binary.LittleEndian.Uint64(args))
					return binary.LittleEndian.AppendUint64(nil, uint64(counters[key]))
				})
			}
			c := NewCounter("hits")
			for _, step := range []struct{ delta, want int64 }{{5, 5}, {-2, 3}} {
				if n, err := c.Add(step.delta); err != nil || n != step.want {
					t.Fatalf("Add(%d) = %d, %v; want %d", step.delta, n, err, step.want)
				}
			}
			if tt.hostAdds && (calls != 2 || counters["hits"] != 3) {
				t.Fatalf("host calls %d, counter %d; want 2 calls and 3", calls, counters["hits"])
			}
			if !tt.hostAdds && !noHostAdd {
				t.Fatal("a host without weir.counter_add is asked again on every Add")
			}
			if n, _ := c.Get(); !tt.hostAdds && n != 3 {
				t.Fatalf("shared data holds %d, want 3", n)
			}
		})
	}
}
