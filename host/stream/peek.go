package stream

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"
)

// peekSNI reads the start of a connection to find a TLS ClientHello's server name,
// without answering it, and returns a connection that replays what was read (so a
// tls_passthrough upstream gets the handshake untouched) and the name, "" when the
// client sent no ClientHello (or none within timeout, or none with a name).
func peekSNI(c net.Conn, timeout time.Duration) (net.Conn, string) {
	var seen bytes.Buffer
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	defer c.SetReadDeadline(time.Time{})
	// Only a handshake record can start a ClientHello: look at the first byte before
	// handing the bytes to crypto/tls, so a plain client is not kept waiting.
	first := make([]byte, 1)
	if _, err := io.ReadFull(c, first); err != nil {
		return c, ""
	}
	seen.Write(first)
	if first[0] != 0x16 {
		return &replayConn{Conn: c, r: io.MultiReader(&seen, c)}, ""
	}
	var name string
	errDone := errors.New("client hello read")
	probe := tls.Server(&recordingConn{Conn: c, seen: &seen, first: first}, &tls.Config{
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			name = h.ServerName
			return nil, errDone
		},
	})
	_ = probe.Handshake()
	return &replayConn{Conn: c, r: io.MultiReader(bytes.NewReader(seen.Bytes()), c)}, name
}

// recordingConn feeds crypto/tls the byte already read, then the connection, keeping
// a copy of everything, and never writes (the probe's alert is not sent).
type recordingConn struct {
	net.Conn
	seen  *bytes.Buffer
	first []byte
}

func (r *recordingConn) Read(p []byte) (int, error) {
	if len(r.first) > 0 {
		n := copy(p, r.first)
		r.first = r.first[n:]
		return n, nil
	}
	n, err := r.Conn.Read(p)
	r.seen.Write(p[:n])
	return n, err
}

func (r *recordingConn) Write(p []byte) (int, error) { return len(p), nil }

// replayConn reads the peeked bytes first.
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// CloseWrite half-closes the underlying TCP connection.
func (c *replayConn) CloseWrite() error {
	if hc, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return hc.CloseWrite()
	}
	return c.Conn.Close()
}
