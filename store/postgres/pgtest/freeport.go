package pgtest

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// FreePort is a port on 127.0.0.1 that nothing listens on, for a server a test starts
// in another process (a throwaway PostgreSQL, a weir node). It comes from below the
// kernel's ephemeral range, one after the other from a place of this process's own:
// a port the kernel picked for ":0" could be taken, between the check and the
// server's bind, by any connection a test running meanwhile opens (its source port
// comes from that range), and the server then failed to start with "address already
// in use".
func FreePort() (int, error) {
	for range 1000 {
		p := nextPort()
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue // taken: try the next
		}
		ln.Close()
		return p, nil
	}
	return 0, fmt.Errorf("find a free port: none free below the ephemeral range")
}

var (
	portsOnce            sync.Once
	ports                atomic.Int64
	portsFrom, portsSpan int
)

// nextPort is the next candidate port: from 10,000 to the start of the ephemeral
// range (/proc/sys/net/ipv4/ip_local_port_range, 32,768 by default), starting at an
// offset made of the process id.
func nextPort() int {
	portsOnce.Do(func() {
		low := 32768
		if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
			if f := strings.Fields(string(b)); len(f) == 2 {
				if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
					low = n
				}
			}
		}
		portsFrom, portsSpan = 10000, low-10000
		ports.Store(int64(os.Getpid() % portsSpan))
	})
	return portsFrom + int(ports.Add(1)%int64(portsSpan))
}
