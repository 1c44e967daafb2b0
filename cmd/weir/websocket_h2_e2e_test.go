package main_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// TestWebSocketOverHTTP2: an RFC 8441 WebSocket bootstrap (extended CONNECT with
// :protocol websocket) on an h2c listener reaches the upstream as an HTTP/1.1 upgrade,
// as Envoy proxies it; the client gets 200 on its stream, and bytes then flow both
// ways over it; the weir binary turns on Go's extended CONNECT itself
// (cmd/weir/internal/xconnect), so the node needs no GODEBUG. An upstream that refuses
// the upgrade is answered as any response.
func TestWebSocketOverHTTP2(t *testing.T) {
	t.Parallel() // its own node and ports
	bin := buildWeir(t)
	h2cAddr := freeAddr(t)
	n := &node{binary: bin, prefix: filepath.Join(t.TempDir(), "prefix"), proxy: freeAddr(t), admin: freeAddr(t)}
	n.extraEnv = []string{"WEIR_PROXY_LISTEN=" + n.proxy + ", " + h2cAddr + " http2"}
	n.start(t)

	saw := make(chan *http.Request, 1)
	upstream := wsUpstream(t, saw)
	admin := "http://" + n.admin
	expectStatus(t, "service", form(t, admin+"/services", "name=ws", "url=http://"+upstream.String()), 201)
	expectStatus(t, "route", form(t, admin+"/services/ws/routes", "paths[]=/ws"), 201)

	// net/http's own client refuses the :protocol pseudo-header; x/net's sends it
	tr := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr) // h2c
	}}
	defer tr.CloseIdleConnections()
	connect := func(t *testing.T, path string) (*io.PipeWriter, *http.Response) {
		t.Helper()
		pr, pw := io.Pipe()
		// a proxy that waits for the stream's end before answering fails, not hangs
		ctx, cancel := context.WithCancel(context.Background())
		slow := time.AfterFunc(streamOrderWait, cancel)
		req, _ := http.NewRequestWithContext(ctx, http.MethodConnect, "http://"+h2cAddr+path, pr)
		req.Header[":protocol"] = []string{"websocket"}
		req.Header.Set("Sec-WebSocket-Version", "13")
		resp, err := tr.RoundTrip(req)
		if err != nil || !slow.Stop() {
			t.Fatalf("extended CONNECT: %v", err)
		}
		t.Cleanup(func() { _ = pw.Close(); _ = resp.Body.Close(); cancel() })
		return pw, resp
	}

	t.Run("tunnel", func(t *testing.T) {
		pw, resp := connect(t, "/ws/chat")
		if resp.StatusCode != 200 || resp.Header.Get("Sec-WebSocket-Accept") != "" {
			t.Fatalf("extended CONNECT answered %d %v, want 200 without Sec-WebSocket-Accept", resp.StatusCode, resp.Header)
		}
		up := <-saw
		if up.Method != "GET" || up.Header.Get("Upgrade") != "websocket" || !strings.Contains(up.Header.Get("Connection"), "Upgrade") ||
			up.Header.Get("Sec-WebSocket-Key") == "" || up.Header.Get("Sec-WebSocket-Version") != "13" || up.Header.Get("X-Forwarded-For") == "" {
			t.Fatalf("upstream saw %s %v", up.Method, up.Header)
		}
		for _, msg := range []string{"hello", "through weir"} {
			_, _ = io.WriteString(pw, msg)
			got := make(chan string, 1)
			go func() {
				buf := make([]byte, len(msg))
				_, _ = io.ReadFull(resp.Body, buf)
				got <- string(buf)
			}()
			select {
			case s := <-got:
				if s != msg {
					t.Fatalf("echo %q, want %q", s, msg)
				}
			case <-time.After(streamOrderWait):
				t.Fatalf("no echo of %q", msg)
			}
		}
	})

	t.Run("refused upgrade", func(t *testing.T) {
		_, resp := connect(t, "/ws/refuse")
		<-saw
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 403 || string(body) != "no" {
			t.Fatalf("refused upgrade answered %d %q, want the upstream's 403", resp.StatusCode, body)
		}
	})
}
