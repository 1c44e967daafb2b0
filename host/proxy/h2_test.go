package proxy

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/host/pipeline"
)

func TestH2Body(t *testing.T) {
	req := func(body io.Reader, length int64) *http.Request {
		r := httptest.NewRequest("POST", "/", body)
		r.ContentLength = length
		return r
	}
	t.Run("whole under the limit", func(t *testing.T) {
		b := &h2Body{r: req(strings.NewReader("hello"), -1), limit: 5}
		got, err := b.ReadAll()
		if err != nil || string(got) != "hello" {
			t.Fatalf("%q, %v", got, err)
		}
	})
	t.Run("whole over the limit", func(t *testing.T) {
		b := &h2Body{r: req(strings.NewReader("hello!"), -1), limit: 5}
		if _, err := b.ReadAll(); !errors.Is(err, pipeline.ErrBodyTooLarge) {
			t.Fatalf("err %v, want ErrBodyTooLarge", err)
		}
	})
	t.Run("streamed past the limit", func(t *testing.T) {
		// a streamed body is not capped, as on HTTP/1.1
		b := &h2Body{r: req(strings.NewReader("hello, world"), -1), limit: 5}
		got, err := io.ReadAll(b.Stream())
		if err != nil || string(got) != "hello, world" {
			t.Fatalf("%q, %v", got, err)
		}
	})
	t.Run("no body", func(t *testing.T) {
		b := &h2Body{r: req(http.NoBody, 0), limit: 5}
		if b.Stream() != nil {
			t.Fatal("a stream for a request without a body")
		}
		if got, err := b.ReadAll(); err != nil || got != nil {
			t.Fatalf("%q, %v", got, err)
		}
	})
}

// TestServeHTTPDeclaredTooLarge: a Content-Length over the limit is refused before the
// pipeline runs (the server has none here).
func TestServeHTTPDeclaredTooLarge(t *testing.T) {
	s := &Server{maxBody: 4}
	r := httptest.NewRequest("POST", "/", strings.NewReader("hello"))
	w := httptest.NewRecorder()
	s.serveHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", w.Code)
	}
}

// chunks is a stream that ends with err after its chunks.
type chunks struct {
	parts []string
	err   error
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.parts) == 0 {
		return 0, c.err
	}
	n := copy(p, c.parts[0])
	c.parts = c.parts[1:]
	return n, nil
}

func (c *chunks) Close() error { return nil }

// flushRecorder counts flushes and what was written before each.
type flushRecorder struct {
	*httptest.ResponseRecorder
	flushed []string
}

func (f *flushRecorder) Flush() {
	f.flushed = append(f.flushed, f.Body.String())
	f.ResponseRecorder.Flush()
}

func TestWriteHTTPStream(t *testing.T) {
	e := &pipeline.Exchange{}
	e.Response.Headers.Add(":status", "200")
	e.Response.Headers.Add("content-type", "application/grpc")
	// the upstream's trailers are known only at the end of its body
	e.Response.Body.SetStream(&trailerAtEnd{chunks: &chunks{parts: []string{"one", "two"}, err: io.EOF}, e: e})
	w := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
	writeHTTP(w, e)
	if got := strings.Join(w.flushed, "|"); got != "|one|onetwo" {
		t.Fatalf("flushes %q: the head, then each chunk as it comes", got)
	}
	res := w.Result()
	if res.StatusCode != 200 || res.Header.Get("Content-Length") != "" || res.Trailer.Get("Grpc-Status") != "0" {
		t.Fatalf("status %d, header %v, trailers %v", res.StatusCode, res.Header, res.Trailer)
	}
}

// trailerAtEnd sets the exchange's trailers when its stream ends, as the HTTP/2
// upstream client does.
type trailerAtEnd struct {
	*chunks
	e *pipeline.Exchange
}

func (t *trailerAtEnd) Read(p []byte) (int, error) {
	n, err := t.chunks.Read(p)
	if err == io.EOF {
		t.e.Response.Trailers.Add("grpc-status", "0")
	}
	return n, err
}

func TestWriteHTTPStreamBroken(t *testing.T) {
	e := &pipeline.Exchange{}
	e.Response.Headers.Add(":status", "200")
	e.Response.Body.SetStream(&chunks{parts: []string{"one"}, err: errors.New("upstream reset")})
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Fatalf("recovered %v: a cut stream must reset, not end cleanly", r)
		}
	}()
	writeHTTP(httptest.NewRecorder(), e)
}

func TestExtendedConnectToUpgrade(t *testing.T) {
	r := httptest.NewRequest(http.MethodConnect, "/ws/chat", nil)
	r.Header[":protocol"] = []string{"websocket"}
	if !isExtendedConnect(r) {
		t.Fatal("CONNECT with :protocol websocket not recognised")
	}
	if plain := httptest.NewRequest(http.MethodConnect, "/", nil); isExtendedConnect(plain) {
		t.Fatal("a CONNECT without :protocol taken for a WebSocket")
	}
	e := &pipeline.Exchange{}
	(&Server{}).fillHTTP(r, e)
	toUpgrade(e)
	h := &e.Request.Headers
	if h.Value(":method") != "GET" || h.Value(":path") != "/ws/chat" || !e.Upgrade {
		t.Fatalf("method %q path %q upgrade %v", h.Value(":method"), h.Value(":path"), e.Upgrade)
	}
	if _, ok := h.Get(":protocol"); ok {
		t.Fatal(":protocol left for the upstream")
	}
	if len(h.Value("sec-websocket-key")) != 24 {
		t.Fatalf("sec-websocket-key %q, want a base64 16-byte nonce", h.Value("sec-websocket-key"))
	}
	// a key the client sent is kept
	e = &pipeline.Exchange{}
	e.Request.Headers.Add("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
	toUpgrade(e)
	if e.Request.Headers.Value("sec-websocket-key") != "dGhlIHNhbXBsZSBub25jZQ==" {
		t.Fatal("the client's key was replaced")
	}
}
