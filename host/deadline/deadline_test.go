package deadline

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// recorder counts the deadlines that reach the connection.
type recorder struct {
	net.Conn
	reads, writes []time.Time
}

func (r *recorder) SetDeadline(t time.Time) error {
	r.reads, r.writes = append(r.reads, t), append(r.writes, t)
	return nil
}
func (r *recorder) SetReadDeadline(t time.Time) error  { r.reads = append(r.reads, t); return nil }
func (r *recorder) SetWriteDeadline(t time.Time) error { r.writes = append(r.writes, t); return nil }

func TestConnCoarsensDeadlines(t *testing.T) {
	base := time.Now().Add(time.Minute)
	tests := []struct {
		name   string
		coarse bool
		set    []time.Time
		// passed are the indexes of set that reach the connection
		passed []int
	}{
		{"a little later each time stands", true,
			[]time.Time{base, base.Add(10 * time.Millisecond), base.Add(500 * time.Millisecond)}, []int{0}},
		{"later by the slack or more passes", true,
			[]time.Time{base, base.Add(time.Second), base.Add(1100 * time.Millisecond)}, []int{0, 1}},
		{"earlier always passes", true,
			[]time.Time{base, base.Add(-time.Millisecond)}, []int{0, 1}},
		{"clearing passes once", true,
			[]time.Time{base, {}, {}, base}, []int{0, 1, 3}},
		{"exact until coarse", false,
			[]time.Time{base, base.Add(time.Millisecond)}, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, dir := range []string{"read", "write"} {
				r := &recorder{}
				c := WrapExact(r)
				if tt.coarse {
					c.Coarse()
				}
				set, got := c.SetReadDeadline, &r.reads
				if dir == "write" {
					set, got = c.SetWriteDeadline, &r.writes
				}
				for _, d := range tt.set {
					if err := set(d); err != nil {
						t.Fatal(err)
					}
				}
				var want []time.Time
				for _, i := range tt.passed {
					want = append(want, tt.set[i])
				}
				if len(*got) != len(want) {
					t.Fatalf("%s: %d deadlines reached the connection, want %d: %v", dir, len(*got), len(want), *got)
				}
				for i := range want {
					if !(*got)[i].Equal(want[i]) {
						t.Fatalf("%s: deadline %d is %v, want %v", dir, i, (*got)[i], want[i])
					}
				}
			}
		})
	}
}

// TestDeadlineFiresWithinSlack: over a real connection, a read deadline renewed a
// little later each time still fires, after at least 63/64 of the last one asked
// and not after it.
func TestDeadlineFiresWithinSlack(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			time.Sleep(5 * time.Second) // never writes
			c.Close()
		}
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := Wrap(raw)
	defer c.Close()
	const timeout = 640 * time.Millisecond
	var asked time.Time
	for range 5 { // each renewal is within the slack (10 ms), so the first stands
		asked = time.Now().Add(timeout)
		if err := c.SetReadDeadline(asked); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	_, err = c.Read(make([]byte, 1))
	fired := time.Now()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read: %v, want a deadline error", err)
	}
	if fired.After(asked.Add(50 * time.Millisecond)) {
		t.Fatalf("fired %v after the deadline asked", fired.Sub(asked))
	}
	if early := asked.Sub(fired); early > timeout/slack+5*time.Millisecond {
		t.Fatalf("fired %v before the deadline asked, more than the slack", early)
	}
}

func TestListenerWraps(t *testing.T) {
	for _, under := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l := Listener{Listener: ln}
		var wrapped net.Conn
		if under {
			l.Under = func(c net.Conn) net.Conn { wrapped = &recorder{Conn: c}; return wrapped }
		}
		go func() {
			if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
				c.Close()
			}
		}()
		c, err := l.Accept()
		l.Close()
		if err != nil {
			t.Fatal(err)
		}
		dc, ok := c.(*Conn)
		if !ok || !dc.coarse {
			t.Fatalf("accepted %T, want a coarse *deadline.Conn", c)
		}
		if under && dc.Conn != wrapped {
			t.Fatalf("Under's connection is not the one wrapped: %T", dc.Conn)
		}
		if _, ok := c.RemoteAddr().(*net.TCPAddr); !ok {
			t.Fatalf("remote address %T, want the TCP connection's", c.RemoteAddr())
		}
		c.Close()
	}
}
