package upstream

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/store"
)

// h2cService serves h on an h2c listener and returns a grpc service pointing at it.
func h2cService(t *testing.T, h http.HandlerFunc) *store.Service {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, Protocols: new(http.Protocols)}
	srv.Protocols.SetUnencryptedHTTP2(true)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &store.Service{Protocol: "grpc", Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, ConnectTimeout: 1000, ReadTimeout: 5000, WriteTimeout: 5000}
}

func TestGRPCStreamedResponseTrailers(t *testing.T) {
	release := make(chan struct{})
	svc := h2cService(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Grpc-Status")
		_, _ = io.WriteString(w, "first")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "second")
		w.Header().Set("Grpc-Status", "0")
	})
	c := New()
	var h pipeline.Headers
	req := &pipeline.UpstreamRequest{Method: "POST", Path: "/pkg.Svc/M", Host: "x", Headers: &h, Stream: true}
	var resp pipeline.Message
	if err := c.Do(context.Background(), svc, req, &resp); err != nil {
		t.Fatal(err)
	}
	s := resp.Body.Stream()
	if s == nil {
		t.Fatal("no stream: the response was buffered")
	}
	defer s.Close()
	buf := make([]byte, 5)
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "first" {
		t.Fatalf("first %q, %v", buf, err)
	}
	if resp.Trailers.Len() != 0 {
		t.Fatal("trailers before the end of the body")
	}
	close(release)
	rest, err := io.ReadAll(s)
	if err != nil || string(rest) != "second" || resp.Trailers.Value("Grpc-Status") != "0" {
		t.Fatalf("rest %q, %v, trailers %v", rest, err, resp.Trailers.Pairs())
	}
}

func TestGRPCFilteredBodyReadFirst(t *testing.T) {
	svc := h2cService(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, strconv.FormatInt(r.ContentLength, 10)+":"+string(body))
	})
	c := New()
	for _, tt := range []struct {
		filtered bool
		want     string
	}{{false, "-1:hello"}, {true, "5:hello"}} {
		var h pipeline.Headers
		req := &pipeline.UpstreamRequest{Method: "POST", Path: "/pkg.Svc/M", Host: "x", Headers: &h,
			BodyStream: strings.NewReader("hello"), BodyFiltered: tt.filtered}
		var resp pipeline.Message
		if err := c.Do(context.Background(), svc, req, &resp); err != nil {
			t.Fatal(err)
		}
		if got := string(resp.Body.Bytes()); got != tt.want {
			t.Errorf("filtered %v: upstream saw %q, want %q", tt.filtered, got, tt.want)
		}
	}
}
