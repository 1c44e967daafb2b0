// Package sockio reads and writes a TCP connection's socket without Go's bookkeeping
// for a system call that may block.
//
// Go's net package enters every read and write through the scheduler's blocking
// path (entersyscall and exitsyscall), although its sockets are non-blocking. On a
// node with one processor (GOMAXPROCS=1, as the benchmarks run weir), the runtime's
// monitor takes the processor away from a loopback write that outlasts its tick (the
// write also does the receiving side's TCP work, and wakes the reader's CPU) and
// starts another thread to run the other goroutines: two threads then take turns on
// one core, and a node under load fell into stretches where it served a third as
// much. A socket that cannot block needs none of that: Conn makes the system call
// directly while the goroutine keeps its processor, and waits on Go's poller,
// deadlines included, only when the socket is not ready.
package sockio

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
)

// Conn is a net.Conn whose Read and Write make their system calls directly (where
// the platform allows it: Wrap). Deadlines, Close and the addresses are the
// connection's own. It is safe for concurrent use, as a net.Conn is.
type Conn struct {
	net.Conn
	read, write op
}

// Wrap returns c with direct reads and writes when c is a socket this platform can
// serve so (a TCP or Unix connection on Linux, outside race-detector builds), and c
// itself otherwise.
func Wrap(c net.Conn) net.Conn {
	if !enabled {
		return c
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return c
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return c
	}
	s := &Conn{Conn: c}
	s.read.init("read", raw.Read, readOnce)
	s.write.init("write", raw.Write, writeAll)
	return s
}

// Read implements net.Conn.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := c.read.do(c, p)
	if n == 0 && err == nil {
		return 0, io.EOF // a read of nothing from a ready socket: the peer's end
	}
	return n, err
}

// Write implements net.Conn.
func (c *Conn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return c.write.do(c, p)
}

// op is one direction of a Conn: the buffer of the call in progress and what the
// system calls made of it. It lives in the Conn, and its callbacks are bound once, so
// that a call allocates nothing (a closure handed to RawConn would escape).
type op struct {
	mu   sync.Mutex
	name string // "read" or "write", for errors
	// wait is RawConn's Read or Write: it runs attempt until attempt reports the
	// call done, waiting on the poller (and the deadline) in between.
	wait    func(func(uintptr) bool) error
	attempt func(uintptr) bool // o.try, bound
	sys     func(fd uintptr, p []byte) (n int, errno syscall.Errno, done bool)
	p       []byte
	n       int
	errno   syscall.Errno
}

func (o *op) init(name string, wait func(func(uintptr) bool) error, sys func(uintptr, []byte) (int, syscall.Errno, bool)) {
	o.name, o.wait, o.sys = name, wait, sys
	o.attempt = o.try
}

// try makes the system calls for what is left of p; false means the socket was not
// ready and the poller is to be waited on.
func (o *op) try(fd uintptr) bool {
	n, errno, done := o.sys(fd, o.p[o.n:])
	o.n += n
	o.errno = errno
	return done
}

// do runs one Read or Write of p on c.
func (o *op) do(c *Conn, p []byte) (int, error) {
	o.mu.Lock()
	o.p, o.n, o.errno = p, 0, 0
	err := o.wait(o.attempt)
	n, errno := o.n, o.errno
	o.p = nil
	o.mu.Unlock()
	if err != nil {
		// as net.Conn reports it: RawConn names the operation "raw-read"
		if oe, ok := err.(*net.OpError); ok {
			oe.Op = o.name
		}
		return n, err
	}
	if errno != 0 {
		return n, &net.OpError{Op: o.name, Net: c.LocalAddr().Network(), Source: c.LocalAddr(),
			Addr: c.RemoteAddr(), Err: os.NewSyscallError(o.name, errno)}
	}
	return n, nil
}
