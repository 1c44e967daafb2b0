package abi

import (
	"strings"
	"testing"
)

func TestHeaderName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Content-Type", "content-type"},
		{"X-Custom-Thing", "x-custom-thing"},
		{"apikey", "apikey"},
		{strings.Repeat("A", 70), strings.Repeat("a", 70)},
		{"X-RateLimit-Limit-Hour", "x-ratelimit-limit-hour"},
		{"X-\xc3\x84", "x-\xc3\x84"}, // bytes outside ASCII are kept as they are
	} {
		if got := HeaderName([]byte(tt.in)); got != tt.want {
			t.Errorf("HeaderName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, common := range []string{"Content-Type", "X-RateLimit-Remaining-Minute", "x-consumer-id"} {
		if n := testing.AllocsPerRun(100, func() { _ = HeaderName([]byte(common)) }); n != 0 {
			t.Errorf("common name %s allocated %.0f times", common, n)
		}
	}
}
