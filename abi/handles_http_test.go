package abi

import (
	"context"
	"os"
	"testing"
)

func TestHandlesHTTP(t *testing.T) {
	ctx := context.Background()
	rt, err := NewRuntime(ctx, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	for fixture, want := range map[string]bool{"root_only": false, "headers": true, "trap": true, "loop": true} {
		t.Run(fixture, func(t *testing.T) {
			wasm, err := os.ReadFile("../testdata/wat/" + fixture + ".wasm")
			if err != nil {
				t.Fatal(err)
			}
			m, err := rt.Compile(ctx, wasm)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close(ctx)
			if got := m.HandlesHTTP(); got != want {
				t.Fatalf("HandlesHTTP = %v, want %v", got, want)
			}
		})
	}
}
