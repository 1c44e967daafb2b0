package abi

import "testing"

// TestCallbackIndex: every callback the host calls has its own slot, and a name the
// host never calls has none.
func TestCallbackIndex(t *testing.T) {
	for want, name := range callbackNames {
		if got := callbackIndex(name); got != want {
			t.Errorf("callbackIndex(%q) = %d, want %d", name, got, want)
		}
	}
	for name := range callbackSignatures {
		if callbackIndex(name) < 0 {
			t.Errorf("%s has a signature but no slot", name)
		}
	}
	for _, name := range []string{"", "proxy_on_request", "weir.header_value"} {
		if got := callbackIndex(name); got != -1 {
			t.Errorf("callbackIndex(%q) = %d, want -1", name, got)
		}
	}
}
