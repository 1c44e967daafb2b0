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

// TestHasUpperASCII: the eight-bytes-at-a-time test agrees with a byte-at-a-time one
// for every byte value at every position of strings up to 17 bytes long.
func TestHasUpperASCII(t *testing.T) {
	naive := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if 'A' <= s[i] && s[i] <= 'Z' {
				return true
			}
		}
		return false
	}
	for n := 0; n <= 17; n++ {
		for pos := 0; pos < max(n, 1); pos++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a", n))
				if n > 0 {
					b[pos] = byte(c)
				}
				if got, want := HasUpperASCII(string(b)), naive(string(b)); got != want {
					t.Fatalf("HasUpperASCII(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
	for _, s := range []string{"x-forwarded-for", "X-Forwarded-For", "\xc3\x81bc-def-ghij", "abcdefgh\xdb", "@[`{"} {
		if got, want := HasUpperASCII(s), naive(s); got != want {
			t.Errorf("HasUpperASCII(%q) = %v, want %v", s, got, want)
		}
	}
}
