package metrics

import "testing"

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
