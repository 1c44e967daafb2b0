package proxy

import (
	"bufio"
	"strings"
	"testing"
)

func TestHasPreface(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", true},
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nframes", true},
		{"GET / HTTP/1.0\r\n\r\n", false}, // shorter than the preface: answered at once
		{"PRI * HTTP/1.1\r\n", false},
		{"", false},
	}
	for _, tt := range tests {
		r := bufio.NewReader(strings.NewReader(tt.in))
		if got := hasPreface(r); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.in, got, tt.want)
		}
		if rest, _ := r.Peek(len(tt.in)); string(rest) != tt.in {
			t.Errorf("%q: peeking consumed input", tt.in)
		}
	}
}
