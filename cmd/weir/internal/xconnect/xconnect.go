// Package xconnect turns on extended CONNECT (RFC 8441, WebSocket over HTTP/2) in Go's
// HTTP/2 server, which reads GODEBUG=http2xconnect=1 from the environment once, in
// net/http's own init, and offers no other switch (no //go:debug setting, no option).
//
// Imported for its side effect by the weir command. Go initializes packages in the
// order of their import paths among those whose imports are done (the spec's package
// initialization rule since Go 1.21); this package imports only os and strings and its
// path sorts before "net/http", so its init runs first and net/http sees the setting.
// An operator's own GODEBUG is kept, and an explicit http2xconnect=0 wins.
package xconnect

import (
	"os"
	"strings"
)

func init() {
	v := os.Getenv("GODEBUG")
	if strings.Contains(v, "http2xconnect=") {
		return
	}
	if v != "" {
		v += ","
	}
	_ = os.Setenv("GODEBUG", v+"http2xconnect=1")
}
