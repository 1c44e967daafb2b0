package pgtest

import (
	"net"
	"strconv"
	"testing"
)

// TestFreePort: each port is below the ephemeral range, free to listen on, and not
// handed out twice by one process.
func TestFreePort(t *testing.T) {
	seen := map[int]bool{}
	for range 50 {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if p < portsFrom || p >= portsFrom+portsSpan || seen[p] {
			t.Fatalf("port %d: outside [%d, %d) or handed out before", p, portsFrom, portsFrom+portsSpan)
		}
		seen[p] = true
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("port %d is not free: %v", p, err)
		}
		ln.Close()
	}
}
