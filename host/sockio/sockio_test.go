package sockio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pair is a TCP connection over loopback: the wrapped client end and the server end
// as net gives it.
func pair(t *testing.T) (wrapped, peer net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer = <-accepted
	if peer == nil {
		t.Fatal("accept failed")
	}
	wrapped = Wrap(c)
	if _, direct := wrapped.(*Conn); direct != enabled {
		t.Fatalf("Wrap gave %T with direct calls enabled=%v", wrapped, enabled)
	}
	t.Cleanup(func() { wrapped.Close(); peer.Close() })
	return wrapped, peer
}

func TestConnCarriesBytesBothWays(t *testing.T) {
	c, peer := pair(t)
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(peer, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("peer read %q, %v", buf, err)
	}
	if _, err := peer.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "pong" {
		t.Fatalf("read %q, %v", buf, err)
	}
	if n, err := c.Read(nil); n != 0 || err != nil {
		t.Fatalf("empty read: %d, %v", n, err)
	}
}

func TestConnReportsAsNetConnDoes(t *testing.T) {
	tests := []struct {
		name string
		run  func(c, peer net.Conn) error
		want func(error) bool
		op   string
	}{
		{"end of stream", func(c, peer net.Conn) error {
			peer.Close()
			_, err := c.Read(make([]byte, 8))
			return err
		}, func(err error) bool { return err == io.EOF }, ""},
		{"read deadline", func(c, peer net.Conn) error {
			c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			_, err := c.Read(make([]byte, 8))
			return err
		}, func(err error) bool {
			var ne net.Error
			return errors.Is(err, os.ErrDeadlineExceeded) && errors.As(err, &ne) && ne.Timeout()
		}, "read"},
		{"closed", func(c, peer net.Conn) error {
			c.Close()
			_, err := c.Write([]byte("x"))
			return err
		}, func(err error) bool { return errors.Is(err, net.ErrClosed) }, "write"},
		{"reset by the peer", func(c, peer net.Conn) error {
			peer.(*net.TCPConn).SetLinger(0)
			peer.Close()
			time.Sleep(20 * time.Millisecond)
			var err error
			for i := 0; i < 10 && err == nil; i++ {
				_, err = c.Write([]byte("x"))
			}
			return err
		}, func(err error) bool {
			return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
		}, "write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, peer := pair(t)
			err := tt.run(c, peer)
			if !tt.want(err) {
				t.Fatalf("got %v (%T)", err, err)
			}
			var oe *net.OpError
			if tt.op != "" && (!errors.As(err, &oe) || oe.Op != tt.op) {
				t.Fatalf("got %v, want a net.OpError of %q", err, tt.op)
			}
		})
	}
}

// A write larger than the socket's buffers waits on the poller for room and sends
// everything; writes from several goroutines do not interleave.
func TestConnWritesWholeBuffersUnderBackPressure(t *testing.T) {
	c, peer := pair(t)
	const block, writers = 1 << 20, 4
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n, err := c.Write(bytes.Repeat([]byte{byte('a' + w)}, block)); n != block || err != nil {
				t.Errorf("writer %d: %d, %v", w, n, err)
			}
		}()
	}
	got := make([]byte, block*writers)
	time.Sleep(50 * time.Millisecond) // let the writers fill the buffers first
	peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(peer, got); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	seen := map[byte]bool{}
	for i := 0; i < len(got); i += block {
		b := got[i]
		if seen[b] || !bytes.Equal(got[i:i+block], bytes.Repeat([]byte{b}, block)) {
			t.Fatalf("block %d is not one writer's whole write", i/block)
		}
		seen[b] = true
	}
}

func TestConnReadsAndWritesWithoutAllocating(t *testing.T) {
	if !enabled {
		t.Skip("direct calls are off in this build (race detector or not Linux)")
	}
	c, peer := pair(t)
	msg, buf := []byte("0123456789"), make([]byte, 10)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(peer, buf); err != nil {
			t.Fatal(err)
		}
		if _, err := peer.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per round trip", allocs)
	}
}

func TestWrapLeavesOtherConnsAlone(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if Wrap(a) != a {
		t.Fatal("a pipe was wrapped")
	}
}
