package main_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/host/testnet"
)

// TestHostileServiceAnswers drives the binary against services whose answers declare
// a body no memory holds, over plain HTTP and TLS, buffered and streamed: the client
// gets a 502 (or, streamed, a body cut short), and the node goes on serving.
func TestHostileServiceAnswers(t *testing.T) {
	t.Parallel() // its own node and ports
	answer := "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\nshort"
	plain := rawService(t, answer, false)
	secure := rawService(t, answer, true)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	defer ok.Close()

	n := &node{binary: buildWeir(t), prefix: filepath.Join(t.TempDir(), "prefix"), proxy: freeAddr(t), admin: freeAddr(t)}
	n.start(t)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	expectStatus(t, "service", form(t, admin+"/services", "name=plain", "url=http://"+plain), 201)
	expectStatus(t, "service", form(t, admin+"/services", "name=secure", "url=https://"+secure), 201)
	expectStatus(t, "service", form(t, admin+"/services", "name=ok", "url="+ok.URL), 201)
	for _, r := range [][]string{
		{"plain", "paths[]=/plain"},
		{"plain", "paths[]=/plain-streamed", "response_buffering=false"},
		{"secure", "paths[]=/secure"},
		{"secure", "paths[]=/secure-streamed", "response_buffering=false"},
		{"ok", "paths[]=/ok"},
	} {
		expectStatus(t, "route", form(t, admin+"/services/"+r[0]+"/routes", r[1:]...), 201)
	}
	for _, path := range []string{"/plain", "/secure"} {
		expectStatus(t, "buffered "+path, do(t, "GET", proxy+path, nil, nil), 502)
	}
	for _, path := range []string{"/plain-streamed", "/secure-streamed"} {
		resp, err := http.Get(proxy + path)
		if err == nil {
			var body []byte
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == 200 {
				t.Fatalf("streamed %s: a whole 200 of %d bytes from a body cut short", path, len(body))
			}
		}
	}
	expectStatus(t, "after", do(t, "GET", proxy+"/ok", nil, nil), 200)
}

// rawService answers every request on its connection with answer, written as it is,
// then closes it; behind TLS (a self-signed certificate) when secure. It returns its
// address.
func rawService(t *testing.T, answer string, secure bool) string {
	t.Helper()
	var cfg *tls.Config
	if secure {
		srv := httptest.NewTLSServer(http.NotFoundHandler()) // for its certificate
		t.Cleanup(srv.Close)
		cfg = &tls.Config{Certificates: srv.TLS.Certificates}
	}
	return testnet.Listen(t, func(c net.Conn) {
		if cfg != nil {
			c = tls.Server(c, cfg)
		}
		br := bufio.NewReader(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if strings.TrimRight(line, "\r\n") == "" {
				break
			}
		}
		_, _ = io.WriteString(c, answer)
	}).String()
}
