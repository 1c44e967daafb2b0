package main_test

import (
	"bufio"
	"crypto/sha1" //nolint:gosec // RFC 6455 names SHA-1 for Sec-WebSocket-Accept
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-gateway/weir/host/testnet"
)

// wsAccept is RFC 6455's Sec-WebSocket-Accept for key.
func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) //nolint:gosec
	return base64.StdEncoding.EncodeToString(h[:])
}

// TestWebSocket: an upgrade goes through route and plugins to the upstream, the 101
// comes back, and bytes then flow both ways. The upstream is a raw echo after its
// handshake, so the test needs no WebSocket library: it checks the relay, not the
// framing. An upstream that refuses the upgrade is answered as any response.
func TestWebSocket(t *testing.T) {
	t.Parallel() // its own node and ports; runs after the sequential tests, TestZeroDowntime included
	bin := buildWeir(t)
	n := startNode(t, bin, filepath.Join(t.TempDir(), "prefix"))
	saw := make(chan *http.Request, 1)
	upstream := wsUpstream(t, saw)
	admin := "http://" + n.admin
	expectStatus(t, "service", form(t, admin+"/services", "name=ws", "url=http://"+upstream.String()), 201)
	expectStatus(t, "route", form(t, admin+"/services/ws/routes", "paths[]=/ws"), 201)

	handshake := func(path string) (net.Conn, *bufio.Reader, *http.Response) {
		c, err := net.Dial("tcp", n.proxy)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
		r := bufio.NewReader(c)
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c, r, resp
	}
	c, r, resp := handshake("/ws/chat")
	defer c.Close()
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != wsAccept("dGhlIHNhbXBsZSBub25jZQ==") ||
		!strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		t.Fatalf("handshake answered %d %v", resp.StatusCode, resp.Header)
	}
	up := (<-saw).Header
	if up.Get("Upgrade") != "websocket" || !strings.Contains(up.Get("Connection"), "Upgrade") || up.Get("X-Forwarded-For") == "" {
		t.Fatalf("upstream saw %v", up)
	}
	for _, msg := range []string{"hello", "through weir"} {
		_, _ = io.WriteString(c, msg)
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(r, buf); err != nil || string(buf) != msg {
			t.Fatalf("echo %q, %v; want %q", buf, err, msg)
		}
	}

	refused, _, resp := handshake("/ws/refuse")
	defer refused.Close()
	<-saw
	if resp.StatusCode != 403 {
		t.Fatalf("refused upgrade answered %d, want the upstream's 403", resp.StatusCode)
	}
}

// wsUpstream is a WebSocket service on a raw socket: it hands each request it reads
// to saw, refuses /refuse with a 403 and otherwise switches protocols and echoes.
func wsUpstream(t *testing.T, saw chan<- *http.Request) *net.TCPAddr {
	t.Helper()
	return testnet.Listen(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		req, err := http.ReadRequest(r)
		if err != nil {
			return
		}
		saw <- req
		if req.URL.Path == "/refuse" {
			_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno")
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+
			wsAccept(req.Header.Get("Sec-WebSocket-Key"))+"\r\n\r\n")
		_, _ = io.Copy(c, r) // echo
	})
}
