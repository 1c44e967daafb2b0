package proxy

import (
	"strings"
	"testing"
)

// TestRequestID: ids are 32 lower-case hex digits, Kong's form, and every digit turns
// up at every place, so each place carries four random bits.
func TestRequestID(t *testing.T) {
	seen := make([]map[byte]bool, requestIDLen)
	for i := range seen {
		seen[i] = map[byte]bool{}
	}
	ids := map[string]bool{}
	for range 2000 {
		id := requestID()
		if len(id) != requestIDLen || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("request id %q: want %d lower-case hex digits", id, requestIDLen)
		}
		ids[id] = true
		for i := range id {
			seen[i][id[i]] = true
		}
	}
	if len(ids) != 2000 {
		t.Errorf("%d distinct ids in 2000", len(ids))
	}
	for i, digits := range seen {
		if len(digits) != 16 {
			t.Errorf("place %d saw %d of the 16 digits", i, len(digits))
		}
	}
	if got := string(appendRequestID([]byte("id:"))); !strings.HasPrefix(got, "id:") || len(got) != 3+requestIDLen {
		t.Errorf("appendRequestID after a prefix: %q", got)
	}
}
