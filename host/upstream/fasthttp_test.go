package upstream

import (
	"context"
	"crypto/tls"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/host/snapshot"
)

// fasthttpModes are the exchanges that go through fasthttp's client: a TLS service's
// buffered one, and a streamed one (response_buffering off) with and without TLS.
var fasthttpModes = []struct {
	name        string
	tls, stream bool
}{
	{"tls", true, false},
	{"streamed", false, true},
	{"tls streamed", true, true},
}

// fasthttpExchange sends one request through fasthttp's client to a scripted service
// giving answer, and reads the whole body, streamed or not.
func fasthttpExchange(t *testing.T, method string, tlsOn, stream bool, answer string) (*pipeline.Message, string, error) {
	t.Helper()
	var s *scripted
	if tlsOn {
		s = newScriptedTLS(t, answer)
	} else {
		s = newScripted(t, answer)
	}
	req := h1Request(method, "")
	req.Stream = stream
	if tlsOn {
		req.TLS = &snapshot.UpstreamTLS{Key: "test", Config: &tls.Config{InsecureSkipVerify: true}}
	}
	svc := s.service()
	svc.Retries = 0
	var resp pipeline.Message
	if err := New().Do(context.Background(), svc, req, &resp); err != nil {
		return &resp, "", err
	}
	if r := resp.Body.Stream(); r != nil {
		defer r.Close()
		b, err := io.ReadAll(r)
		return &resp, string(b), err
	}
	return &resp, string(resp.Body.Bytes()), nil
}

// TestFastHTTPAnswers: each framing of a body arrives whole, short or long (past what
// fasthttp reads at once), buffered or streamed.
func TestFastHTTPAnswers(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", bodyAtOnce/16*3+1)
	tests := []struct {
		name, method, answer, want string
	}{
		{"content length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "hello"},
		{"a long body by length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(long)) + "\r\n\r\n" + long, long},
		{"chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n", "hello!"},
		{"a long chunked body", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(len(long)), 16) + "\r\n" + long + "\r\n0\r\n\r\n", long},
		{"to the connection's end", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end<close>", "until the end"},
		{"no body for HEAD", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", ""},
		{"no body for 204", "GET", "HTTP/1.1 204 No Content\r\n\r\n", ""},
	}
	for _, tt := range tests {
		for _, m := range fasthttpModes {
			t.Run(tt.name+", "+m.name, func(t *testing.T) {
				resp, body, err := fasthttpExchange(t, tt.method, m.tls, m.stream, tt.answer)
				if err != nil {
					t.Fatal(err)
				}
				if body != tt.want {
					t.Fatalf("body %d bytes %.40q, want %d bytes %.40q", len(body), body, len(tt.want), tt.want)
				}
				if resp.Headers.Value(":status") == "" {
					t.Fatal("no status")
				}
			})
		}
	}
}

// TestFastHTTPRefused: answers declaring more than any memory holds, or cut short,
// are errors (fasthttp's client took room of the declared length, which panicked,
// and ended a body cut short by the connection's close as if it were whole).
func TestFastHTTPRefused(t *testing.T) {
	tests := []struct{ name, answer string }{
		{"a length no memory holds", "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\nshort<close>"},
		{"a chunk no memory holds", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nshort<close>"},
		{"a short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort<close>"},
		{"a short long body", "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nshort<close>"},
		{"a short chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nshort<close>"},
	}
	for _, tt := range tests {
		for _, m := range fasthttpModes {
			t.Run(tt.name+", "+m.name, func(t *testing.T) {
				resp, body, err := fasthttpExchange(t, "GET", m.tls, m.stream, tt.answer)
				if err == nil {
					t.Fatalf("no error; got %q and %d bytes", resp.Headers.Pairs(), len(body))
				}
			})
		}
	}
}

// TestFastHTTPStreamLeftUnread: a streamed body closed before its end closes its
// connection, whose next bytes are the rest of the body; the next request gets its
// own answer on another connection.
func TestFastHTTPStreamLeftUnread(t *testing.T) {
	long := strings.Repeat("x", 3*bodyAtOnce)
	for _, tt := range []struct{ name, answer string }{
		{"by length", "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(long)) + "\r\n\r\n" + long},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(len(long)), 16) + "\r\n" + long + "\r\n0\r\n\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, tt.answer, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
			c := New()
			req := h1Request("GET", "")
			req.Stream = true
			var first pipeline.Message
			if err := c.Do(context.Background(), s.service(), req, &first); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(first.Body.Stream(), make([]byte, 10)); err != nil {
				t.Fatal(err)
			}
			first.Body.Stream().Close()
			var second pipeline.Message
			if err := c.Do(context.Background(), s.service(), req, &second); err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(second.Body.Stream())
			second.Body.Stream().Close()
			if err != nil || string(b) != "second" || second.Headers.Value(":status") != "200" {
				t.Fatalf("second answer %q %q, %v", second.Headers.Pairs(), b, err)
			}
		})
	}
}
