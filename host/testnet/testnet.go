// Package testnet serves raw TCP connections for tests: services that write byte for
// byte what a test scripts (malformed answers, protocol upgrades, echoes), which
// net/http's test servers would not.
package testnet

import (
	"net"
	"testing"
)

// Serve accepts connections on ln until the test ends, when ln is closed, and runs
// serve for each on its own goroutine, closing the connection after it.
func Serve(t testing.TB, ln net.Listener, serve func(net.Conn)) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
}

// Listen is Serve on a new listener on a free loopback port, whose address it returns.
func Listen(t testing.TB, serve func(net.Conn)) *net.TCPAddr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	Serve(t, ln, serve)
	return ln.Addr().(*net.TCPAddr)
}
