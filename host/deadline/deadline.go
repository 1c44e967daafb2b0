// Package deadline makes the per-request deadlines of keep-alive connections cheap.
//
// fasthttp sets a read and a write deadline on both of a proxied request's
// connections for every request (the front end's timeouts, the service's read and
// write timeouts): four runtime timer updates per request, each a lock and a heap
// operation, about a tenth of the gateway's own CPU per request on one core. On a busy
// connection each new deadline is only a little later than the last. A Conn keeps the
// deadline already set when the new one is later by less than 1/64 of how far ahead
// the old one was set, so a timeout fires after at least 63/64 of its length (59 s
// of 60 s at worst) and never later than asked, while the timer is touched once per
// that slack instead of once per request.
package deadline

import (
	"net"
	"time"
)

// Conn is a net.Conn whose deadlines move in coarse steps. It is for a connection
// used by one goroutine at a time, as fasthttp's server and client use theirs; until
// Coarse is called it passes every deadline through.
type Conn struct {
	net.Conn
	coarse      bool
	read, write step
}

// Wrap returns c as a Conn that coarsens its deadlines.
func Wrap(c net.Conn) *Conn { return &Conn{Conn: c, coarse: true} }

// WrapExact returns c as a Conn that passes deadlines through until Coarse: for a
// connection whose user (HTTP/1.1 or HTTP/2) is not known yet.
func WrapExact(c net.Conn) *Conn { return &Conn{Conn: c} }

// Coarse makes the Conn coarsen its deadlines from now on. Call it before handing the
// connection to its single user.
func (c *Conn) Coarse() { c.coarse = true }

// SetDeadline implements net.Conn.
func (c *Conn) SetDeadline(t time.Time) error {
	if c.coarse && c.read.keeps(t) && c.write.keeps(t) {
		return nil
	}
	c.read.set(t)
	c.write.set(t)
	return c.Conn.SetDeadline(t)
}

// SetReadDeadline implements net.Conn.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.coarse && c.read.keeps(t) {
		return nil
	}
	c.read.set(t)
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline implements net.Conn.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.coarse && c.write.keeps(t) {
		return nil
	}
	c.write.set(t)
	return c.Conn.SetWriteDeadline(t)
}

// step is one direction's deadline as set on the connection.
type step struct {
	at   time.Time     // zero: none
	span time.Duration // how far ahead at was when set
}

// slack is the share of a deadline's span by which a later deadline may be ignored.
const slack = 64

// keeps says whether the deadline set may stand for t: t is later, by less than the
// slack.
func (s *step) keeps(t time.Time) bool {
	if t.IsZero() || s.at.IsZero() {
		return t.IsZero() && s.at.IsZero()
	}
	ahead := t.Sub(s.at)
	return ahead >= 0 && ahead < s.span/slack
}

func (s *step) set(t time.Time) {
	s.at, s.span = t, 0
	if !t.IsZero() {
		s.span = time.Until(t)
	}
}

// Listener wraps every connection it accepts (Wrap), after Under when it is set.
type Listener struct {
	net.Listener
	// Under, when set, wraps each connection first (host/sockio's direct socket
	// calls).
	Under func(net.Conn) net.Conn
}

// Accept implements net.Listener.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if l.Under != nil {
		c = l.Under(c)
	}
	return Wrap(c), nil
}
