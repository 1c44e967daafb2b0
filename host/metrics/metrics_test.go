package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"requests", "weir_wasm_requests"},
		{"custom_header_value_counts_value=foo_reporter=wasmgosdk", "weir_wasm_custom_header_value_counts_value_foo_reporter_wasmgosdk"},
		{"a.b-c", "weir_wasm_a_b_c"},
		{"héllo", "weir_wasm_h_llo"},
	}
	for _, tt := range tests {
		if got := Name(tt.in); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNodeMetrics(t *testing.T) {
	down := errors.New("down")
	for _, tt := range []struct {
		name string
		ping func(context.Context) error
		want []string
	}{
		{"reachable", func(context.Context) error { return nil }, []string{"kong_datastore_reachable{} 1", "kong_node_info{node_id=n1,version=1.2} 1"}},
		{"unreachable", func(context.Context) error { return down }, []string{"kong_datastore_reachable{} 0", "kong_node_info{node_id=n1,version=1.2} 1"}},
		{"no database", nil, []string{"kong_node_info{node_id=n1,version=1.2} 1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := series(t, &Node{ID: "n1", Version: "1.2", Ping: tt.ping}, "kong_datastore_reachable", "kong_node_info")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
