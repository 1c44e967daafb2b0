package proxy

import (
	"bufio"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/weir-gateway/weir/host/pipeline"
)

// TestFillAuthority: the request's :authority is the Host header's, lower-cased, for
// an origin-form target, even one starting with two slashes and holding "://" later,
// from which fasthttp's URI would take a host; an absolute target's host wins, as in
// nginx.
func TestFillAuthority(t *testing.T) {
	for _, tc := range []struct{ target, host, authority string }{
		{"/a", "Good.Example", "good.example"},
		{"//evil.example/x://y", "good.example", "good.example"},
		{"//evil.example/x", "Good.Example:8000", "good.example:8000"},
		{"http://absolute.example/x", "good.example", "absolute.example"},
	} {
		var ctx fasthttp.RequestCtx
		raw := "GET " + tc.target + " HTTP/1.1\r\nHost: " + tc.host + "\r\n\r\n"
		if err := ctx.Request.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		var e pipeline.Exchange
		fill(&ctx, &e)
		h := &e.Request.Headers
		if got := h.Value(":authority"); got != tc.authority {
			t.Errorf("GET %s, Host %s: :authority %q, want %q", tc.target, tc.host, got, tc.authority)
		}
		if got := h.Value(":path"); got != tc.target {
			t.Errorf("GET %s: :path %q", tc.target, got)
		}
	}
}
