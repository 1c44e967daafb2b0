package upstream

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/host/testnet"
	"github.com/weir-gateway/weir/store"
)

// scripted is a service on a raw socket: each request it reads gets the next canned
// answer, written as it is; an answer ending in "<close>" closes the connection
// after it is written.
type scripted struct {
	ln      net.Listener
	mu      sync.Mutex
	answers []string
	seen    []string // the requests' heads, bodies appended
	conns   int
	tls     bool
}

func newScripted(t *testing.T, answers ...string) *scripted {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveScripted(t, ln, answers)
}

// newScriptedTLS is newScripted behind TLS (a self-signed certificate).
func newScriptedTLS(t *testing.T, answers ...string) *scripted {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM := selfSigned(t, "upstream.example", x509.ExtKeyUsageServerAuth)
	cert, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	s := serveScripted(t, tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}), answers)
	s.tls = true
	return s
}

// serveScripted serves answers on ln until the test ends.
func serveScripted(t *testing.T, ln net.Listener, answers []string) *scripted {
	s := &scripted{ln: ln, answers: answers}
	testnet.Serve(t, ln, func(c net.Conn) {
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		s.serve(c)
	})
	return s
}

func (s *scripted) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		tp := textproto.NewReader(br)
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		head, err := tp.ReadMIMEHeader()
		if err != nil {
			return
		}
		n, _ := strconv.Atoi(head.Get("Content-Length"))
		body := make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		s.mu.Lock()
		s.seen = append(s.seen, line+"\n"+formatHead(head)+string(body))
		if len(s.answers) == 0 {
			s.mu.Unlock()
			return
		}
		answer := s.answers[0]
		s.answers = s.answers[1:]
		s.mu.Unlock()
		answer, closing := strings.CutSuffix(answer, "<close>")
		if answer == "<silence>" {
			time.Sleep(2 * time.Second)
			return
		}
		if _, err := io.WriteString(c, answer); err != nil || closing {
			return
		}
	}
}

func formatHead(h textproto.MIMEHeader) string {
	var b strings.Builder
	for _, k := range []string{"Host", "X-One", "Connection", "Content-Length", "Transfer-Encoding"} {
		for _, v := range h[k] {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.String()
}

func (s *scripted) service() *store.Service {
	addr := s.ln.Addr().(*net.TCPAddr)
	protocol := "http"
	if s.tls {
		protocol = "https"
	}
	return &store.Service{Protocol: protocol, Host: "127.0.0.1", Port: addr.Port, Retries: 2,
		ConnectTimeout: 1000, ReadTimeout: 300, WriteTimeout: 1000}
}

func h1Request(method, body string, fields ...[2]string) *pipeline.UpstreamRequest {
	var h pipeline.Headers
	h.AddLower(":method", method)
	for _, f := range fields {
		h.AddLower(f[0], f[1])
	}
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return &pipeline.UpstreamRequest{Method: method, Path: "/p?q=1", Host: "svc.test", Headers: &h, Body: b}
}

// TestH1Answers: weir's HTTP/1.1 client reads each framing of an answer as a
// service sends it, and keeps or closes the connection as the answer says.
func TestH1Answers(t *testing.T) {
	tests := []struct {
		name, method, answer string
		wantHeaders          [][2]string
		wantBody             string
		wantKept             bool
	}{
		{"content length", "GET", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
			[][2]string{{":status", "200"}, {"content-type", "text/plain"}}, "hello", true},
		{"chunked, extensions and trailers", "GET", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n" +
			"3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\nX-Trailer: t\r\n\r\n",
			[][2]string{{":status", "201"}, {"x-a", "1"}}, "hello", true},
		{"to the connection's end", "GET", "HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nall of it<close>",
			[][2]string{{":status", "200"}, {"x-a", "1"}}, "all of it", false},
		{"HEAD has no body", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n",
			[][2]string{{":status", "200"}}, "", true},
		{"204 has no body", "GET", "HTTP/1.1 204 No Content\r\n\r\n", [][2]string{{":status", "204"}}, "", true},
		{"304 has no body", "GET", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
			[][2]string{{":status", "304"}, {"etag", `"x"`}}, "", true},
		{"interim answers skipped", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", [][2]string{{":status", "200"}}, "ok", true},
		{"connection close", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
			[][2]string{{":status", "200"}}, "ok", false},
		{"HTTP/1.0 closes", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", [][2]string{{":status", "200"}}, "ok", false},
		{"HTTP/1.0 keep-alive", "GET", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok",
			[][2]string{{":status", "200"}}, "ok", true},
		{"bare line feeds, folded and padded values, repeated fields", "GET",
			"HTTP/1.1 200 OK\nX-A:  one \nX-Folded: a\n  b\nSet-Cookie: a=1\nSet-Cookie: b=2\nContent-Length: 0\n\n",
			[][2]string{{":status", "200"}, {"x-a", "one"}, {"x-folded", "a b"}, {"set-cookie", "a=1"}, {"set-cookie", "b=2"}}, "", true},
		{"bytes past the answer", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokXX", [][2]string{{":status", "200"}}, "ok", false},
		{"status line without a reason", "GET", "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", [][2]string{{":status", "404"}}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, tt.answer, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext")
			c := New()
			var resp pipeline.Message
			if err := c.Do(context.Background(), s.service(), h1Request(tt.method, ""), &resp); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(resp.Headers.Pairs(), tt.wantHeaders) || string(resp.Body.Bytes()) != tt.wantBody {
				t.Fatalf("got %q %q, want %q %q", resp.Headers.Pairs(), resp.Body.Bytes(), tt.wantHeaders, tt.wantBody)
			}
			// the next request reuses the connection when it was kept
			if err := c.Do(context.Background(), s.service(), h1Request("GET", ""), &resp); err != nil || string(resp.Body.Bytes()) != "next" {
				t.Fatalf("next request: %v %q", err, resp.Body.Bytes())
			}
			s.mu.Lock()
			conns := s.conns
			s.mu.Unlock()
			if kept := conns == 1; kept != tt.wantKept {
				t.Fatalf("%d connections for two requests; kept %v, want %v", conns, kept, tt.wantKept)
			}
		})
	}
}

// TestH1Refused: a malformed or oversized answer is an error (the pipeline's 502),
// and the connection is not used again.
func TestH1Refused(t *testing.T) {
	for _, tt := range []struct{ name, answer string }{
		{"no status line", "hello\r\n\r\n"},
		{"a field without a colon", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n"},
		{"a space before the colon", "HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n"},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"},
		{"a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
		{"a short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort<close>"},
		{"a head too large", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("b", h1MaxHead) + "\r\n\r\n"},
		{"closed before answering", "<close>"},
		{"a length no memory holds", "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\nshort<close>"},
		{"a chunk no memory holds", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nshort<close>"},
		{"a continued framing field", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n 3\r\n\r\nok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, tt.answer, tt.answer, tt.answer)
			var resp pipeline.Message
			req := h1Request("POST", "x") // not tried again
			if err := New().Do(context.Background(), s.service(), req, &resp); err == nil {
				t.Fatalf("no error; got %q %q", resp.Headers.Pairs(), resp.Body.Bytes())
			}
		})
	}
}

// TestH1Request: the head goes out as the pipeline holds it, with the body's length;
// a field holding a line break is refused before anything is sent.
func TestH1Request(t *testing.T) {
	s := newScripted(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	c := New()
	var resp pipeline.Message
	req := h1Request("POST", "body", [2]string{"x-one", "1"}, [2]string{"host", "ignored"},
		[2]string{"content-length", "99"}, [2]string{"transfer-encoding", "chunked"})
	if err := c.Do(context.Background(), s.service(), req, &resp); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), s.service(), h1Request("GET", ""), &resp); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /p?q=1 HTTP/1.1\nHost: svc.test\nX-One: 1\nContent-Length: 4\nbody",
		"GET /p?q=1 HTTP/1.1\nHost: svc.test\n",
	}
	if !reflect.DeepEqual(s.seen, want) {
		t.Fatalf("the service saw %q, want %q", s.seen, want)
	}
	for _, f := range [][2]string{{"x-one", "1\r\nX-Injected: 1"}, {"x-one", "1\nX-Injected: 1"}, {"x-one", "1\r"}} {
		if err := c.Do(context.Background(), s.service(), h1Request("GET", "", f), &resp); !errors.Is(err, errInvalidField) {
			t.Errorf("field %q: %v, want %v", f, err, errInvalidField)
		}
	}
	if len(s.seen) != 2 {
		t.Fatalf("a refused request reached the service: %q", s.seen[2:])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns != 1 {
		t.Fatalf("%d connections: a refused request cost the kept one", s.conns)
	}
}

// TestH1Retries: an exchange that fails after the connection was made is tried
// again, up to the service's retries, for GET, HEAD and PUT only; a timeout is
// ErrUpstreamTimeout.
func TestH1Retries(t *testing.T) {
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	tests := []struct {
		name, method string
		answers      []string
		noRetry      bool
		wantErr      error
		wantSeen     int
	}{
		{"GET tried again", "GET", []string{"<close>", "<close>", ok}, false, nil, 3},
		{"GET gives up after the retries", "GET", []string{"<close>", "<close>", "<close>", ok}, false, errClosedBeforeAnswer, 3},
		{"PUT tried again", "PUT", []string{"<close>", ok}, false, nil, 2},
		{"POST not tried again", "POST", []string{"<close>", ok}, false, errClosedBeforeAnswer, 1},
		{"no retry when the pipeline balances", "GET", []string{"<close>", ok}, true, errClosedBeforeAnswer, 1},
		{"a timeout", "POST", []string{"<silence>"}, false, pipeline.ErrUpstreamTimeout, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, tt.answers...)
			var resp pipeline.Message
			req := h1Request(tt.method, "")
			req.NoRetry = tt.noRetry
			err := New().Do(context.Background(), s.service(), req, &resp)
			if tt.wantErr == nil && (err != nil || string(resp.Body.Bytes()) != "ok") || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, body %q; want %v", err, resp.Body.Bytes(), tt.wantErr)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.seen) != tt.wantSeen {
				t.Fatalf("the service saw %d requests, want %d", len(s.seen), tt.wantSeen)
			}
		})
	}
	// nothing listening: a connect error, not tried on the same address again
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	svc := &store.Service{Protocol: "http", Host: "127.0.0.1", Port: port, ConnectTimeout: 1000, ReadTimeout: 1000, WriteTimeout: 1000}
	var resp pipeline.Message
	if err := New().Do(context.Background(), svc, h1Request("GET", ""), &resp); !errors.Is(err, pipeline.ErrUpstreamConnect) {
		t.Fatalf("refused: %v, want ErrUpstreamConnect", err)
	}
}

// TestH1IdleConnectionsClosed: connections idle past the idle timeout are closed by
// the pool's timer, and the timer stops once none is left.
func TestH1IdleConnectionsClosed(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	p := newH1Pool(poolKey{addr: "unused"}, DefaultKeepalive, nil)
	c := &h1Conn{Conn: client}
	p.put(c, time.Now().Add(-2*DefaultKeepalive.IdleTimeout))
	fresh := &h1Conn{Conn: nopConn{}}
	p.put(fresh, time.Now())
	p.clean()
	p.mu.Lock()
	idle, cleaning := append([]*h1Conn(nil), p.idle...), p.cleaning
	p.mu.Unlock()
	if len(idle) != 1 || idle[0] != fresh || !cleaning {
		t.Fatalf("idle %v, cleaning %v; want only the fresh connection, the timer running", idle, cleaning)
	}
	if _, err := client.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("the old connection is open: %v", err)
	}
	p.idle[0].idleSince = time.Now().Add(-2 * DefaultKeepalive.IdleTimeout)
	p.clean()
	if len(p.idle) != 0 || p.cleaning {
		t.Fatalf("idle %d, cleaning %v after the last went", len(p.idle), p.cleaning)
	}
}

type nopConn struct{ net.Conn }

func (nopConn) Close() error { return nil }

// TestH1ConnectionLimits: the keep-alive limits (Kong's upstream_keepalive_*): how
// many connections wait per address, how many requests one carries, none kept with a
// pool size of 0.
func TestH1ConnectionLimits(t *testing.T) {
	max := DefaultKeepalive.PoolSize
	p := newH1Pool(poolKey{addr: "unused"}, DefaultKeepalive, nil)
	for range max {
		p.put(&h1Conn{Conn: nopConn{}}, time.Now())
	}
	client, server := net.Pipe()
	defer server.Close()
	p.put(&h1Conn{Conn: client}, time.Now())
	if len(p.idle) != max {
		t.Fatalf("%d idle, want %d", len(p.idle), max)
	}
	if _, err := client.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("the connection past the limit is open: %v", err)
	}

	ok := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	for _, tt := range []struct {
		name      string
		keepalive Keepalive
		wantConns int
	}{
		{"Kong's defaults", DefaultKeepalive, 1},
		{"two requests a connection", Keepalive{PoolSize: 10, MaxRequests: 2}, 3},
		{"no request limit, no idle timeout", Keepalive{PoolSize: 1}, 1},
		{"keep-alive off", Keepalive{}, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, ok, ok, ok, ok, ok)
			c := NewWithKeepalive(tt.keepalive)
			for range 5 {
				var resp pipeline.Message
				if err := c.Do(context.Background(), s.service(), h1Request("GET", ""), &resp); err != nil {
					t.Fatal(err)
				}
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.conns != tt.wantConns {
				t.Fatalf("%d connections for 5 requests, want %d", s.conns, tt.wantConns)
			}
		})
	}
}

// TestIsToken: the eight-bytes-at-a-time test agrees with a byte-at-a-time one for
// every byte value at every position of names up to 17 bytes long.
func TestIsToken(t *testing.T) {
	slow := func(name []byte) bool {
		for _, c := range name {
			if c <= ' ' || c == 0x7f {
				return false
			}
		}
		return true
	}
	for n := 1; n <= 17; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				name := []byte("content-length-xy"[:n])
				name[pos] = byte(c)
				if got, want := isToken(name), slow(name); got != want {
					t.Fatalf("isToken(%q) = %v, want %v", name, got, want)
				}
			}
		}
	}
}

// TestH1YieldsOnlyWhenBusy: an exchange lets other requests run before it writes its
// request and again before it reads the answer, only while at least as many other
// exchanges are in progress as there are processors, and it counts itself out
// however it ends.
func TestH1YieldsOnlyWhenBusy(t *testing.T) {
	// seen is what each yield found: the exchanges counted in progress (the exchange
	// counts itself once it has a connection), and whether the service had the
	// request by then (given 50 ms to read it)
	type yielded struct {
		busy    int32
		written bool
	}
	var seen []yielded
	var p *h1Pool
	var s *scripted
	old := yield
	yield = func() {
		time.Sleep(50 * time.Millisecond)
		s.mu.Lock()
		written := len(s.seen) > 0
		s.mu.Unlock()
		seen = append(seen, yielded{p.busy.Load(), written})
	}
	t.Cleanup(func() { yield = old })
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	for _, tt := range []struct {
		name     string
		others   int32 // exchanges already in progress
		answer   string
		wantSeen []yielded
		wantErr  bool
	}{
		{"alone", 0, ok, nil, false},
		{"fewer than processors", 1, ok, nil, false},
		// one yield before the write, one before the answer is read
		{"as many as processors", 2, ok, []yielded{{2, false}, {3, true}}, false},
		{"more than processors", 3, ok, []yielded{{3, false}, {4, true}}, false},
		{"as many as processors, the service closes", 2, "<close>", []yielded{{2, false}, {3, true}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s = newScripted(t, tt.answer)
			svc := s.service()
			p = newH1Pool(poolKey{addr: net.JoinHostPort(svc.Host, strconv.Itoa(svc.Port)), connect: 1000, read: 1000, write: 1000}, DefaultKeepalive, nil)
			p.procs = 2
			p.busy.Store(tt.others)
			seen = nil
			var resp pipeline.Message
			_, err := p.exchange(h1Request("GET", ""), &resp)
			if (err != nil) != tt.wantErr {
				t.Fatalf("exchange: %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(seen, tt.wantSeen) {
				t.Errorf("yields found %v exchanges in progress, want %v", seen, tt.wantSeen)
			}
			if n := p.busy.Load(); n != tt.others {
				t.Errorf("%d exchanges in progress after, want %d", n, tt.others)
			}
		})
	}
}
