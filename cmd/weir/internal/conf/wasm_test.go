package conf

import (
	"testing"
	"time"
)

func TestWasmProperties(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		mem     int64
		timeout time.Duration
		wantErr bool
	}{
		{"defaults", nil, 64 << 20, 5 * time.Second, false},
		{"megabytes", []string{"WEIR_WASM_MEMORY_LIMIT=32m"}, 32 << 20, 5 * time.Second, false},
		{"upper-case suffix", []string{"KONG_WASM_MEMORY_LIMIT=1G"}, 1 << 30, 5 * time.Second, false},
		{"rounded up to a page", []string{"WEIR_WASM_MEMORY_LIMIT=100000"}, 131072, 5 * time.Second, false},
		{"timeout in ms", []string{"WEIR_WASM_CALLBACK_TIMEOUT=250"}, 64 << 20, 250 * time.Millisecond, false},
		{"too small", []string{"WEIR_WASM_MEMORY_LIMIT=1k"}, 0, 0, true},
		{"too large", []string{"WEIR_WASM_MEMORY_LIMIT=5g"}, 0, 0, true},
		{"not a size", []string{"WEIR_WASM_MEMORY_LIMIT=lots"}, 0, 0, true},
		{"zero timeout", []string{"WEIR_WASM_CALLBACK_TIMEOUT=0"}, 0, 0, true},
		{"timeout with unit", []string{"WEIR_WASM_CALLBACK_TIMEOUT=5s"}, 0, 0, true},
		{"negative backoff", []string{"WEIR_WASM_CRASH_BACKOFF=-1"}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("", append([]string{"WEIR_PREFIX=/tmp/w"}, tt.env...))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Load accepted %v", tt.env)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Wasm.MemoryLimit != tt.mem || c.Wasm.CallbackTimeout != tt.timeout || c.Wasm.CrashBackoff != time.Second {
				t.Fatalf("Wasm = %+v, want memory %d timeout %v", c.Wasm, tt.mem, tt.timeout)
			}
		})
	}
}
