package main_test

// The TCP proxy (stream_listen) through the real binary: stream routes and services
// created through the Admin API as Kong's docs create them, the SDK's network example
// (an L4 filter) enabled on a route, TLS terminated on an ssl stream listener with a
// route on its SNI, TLS passed through by the ClientHello's SNI, and a plugin that
// traps closing only its connection.

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-gateway/weir/host/testnet"
)

// tcpEcho echoes each connection until the client ends its side; with cfg, over TLS.
func tcpEcho(t *testing.T, cfg *tls.Config) *net.TCPAddr {
	t.Helper()
	return tcpGreeter(t, cfg, "")
}

// tcpGreeter is tcpEcho that first sends hello on each connection.
func tcpGreeter(t *testing.T, cfg *tls.Config, hello string) *net.TCPAddr {
	t.Helper()
	return testnet.Listen(t, func(c net.Conn) {
		if cfg != nil {
			c = tls.Server(c, cfg)
		}
		_, _ = io.WriteString(c, hello)
		_, _ = io.Copy(c, c)
	})
}

// roundTrip sends msg on c and reads back len(want) bytes.
func roundTrip(t *testing.T, c net.Conn, msg, want string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func TestStreamProxy(t *testing.T) {
	bin := buildWeir(t)
	plain, ssl, other, extra := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	n := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t),
		extraEnv: []string{"KONG_STREAM_LISTEN=" + plain + ", " + ssl + " ssl, " + other + ", " + extra, "WEIR_LOG_LEVEL=debug",
			"WEIR_WASM_CALLBACK_TIMEOUT=300"}}
	n.start(t)
	admin := "http://" + n.admin
	e := exampleEnv{n: n, admin: admin}
	for _, addr := range []string{plain, ssl, other, extra} {
		e.waitLog(t, "stream proxy listening", "address="+addr)
	}
	echo := tcpEcho(t, nil)

	// Kong's docs: a tcp service, a route on the listener's port
	expectStatus(t, "service", form(t, admin+"/services", "name=tcp-echo", "protocol=tcp", "host=127.0.0.1",
		fmt.Sprintf("port=%d", echo.Port)), 201)
	expectStatus(t, "route", form(t, admin+"/services/tcp-echo/routes", "name=tcp-route", "protocols[]=tcp",
		"destinations[1].port="+port(plain)), 201)

	t.Run("echo without plugins", func(t *testing.T) {
		c, err := net.Dial("tcp", plain)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		roundTrip(t, c, "ping\n", "ping\n")
		roundTrip(t, c, "pong\n", "pong\n")
	})

	t.Run("no route closes the connection", func(t *testing.T) {
		c, err := net.Dial("tcp", other)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
			t.Fatalf("read %q, %v; want the connection closed", b, err)
		}
	})

	t.Run("network example", func(t *testing.T) {
		wasm := filepath.Join(repoRoot(t), "sdk/examples/network/network.wasm")
		expectStatus(t, "upload", uploadModule(t, admin, "network", wasm), 201)
		expectStatus(t, "plugin", form(t, admin+"/routes/tcp-route/plugins", "name=network",
			"protocols[]=tcp", "protocols[]=tls"), 201)
		c, err := net.Dial("tcp", plain)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c, "hello from the client\n", "hello from the client\n")
		e.waitLog(t, "new connection!")
		e.waitLog(t, ">>>>>> downstream data received >>>>>>", "hello from the client")
		e.waitLog(t, "<<<<<< upstream data received <<<<<<", "hello from the client")
		e.waitLog(t, fmt.Sprintf("remote address: 127.0.0.1:%d", echo.Port))
		// weir's services carry no Envoy cluster metadata: the example says so
		e.waitLog(t, "no location metadata for the upstream cluster")
		c.Close()
		e.waitLog(t, "downstream connection close!")
		e.waitLog(t, "connection complete!")
		m := string(do(t, "GET", admin+"/metrics", nil, nil).body)
		if !strings.Contains(m, `weir_wasm_proxy_wasm_go_connection_counter{plugin="network"} 1`) {
			t.Errorf("/metrics lacks the example's connection counter at 1:\n%s", grepLines(m, "connection_counter"))
		}
		// the HTTP proxy is unaffected by the stream plugin
		expectStatus(t, "http proxy", do(t, "GET", "http://"+n.proxy+"/nothing", nil, nil), 404)
	})

	t.Run("tls terminated, routed by sni", func(t *testing.T) {
		cert, key := pemPair(t, "tcp.example.test")
		body, _ := json.Marshal(map[string]any{"cert": cert, "key": key, "snis": []string{"tcp.example.test"}})
		expectStatus(t, "certificate", postJSON(t, admin+"/certificates", string(body)), 201)
		expectStatus(t, "route", form(t, admin+"/services/tcp-echo/routes", "name=tls-route", "protocols[]=tls",
			"snis[]=tcp.example.test"), 201)
		c, err := tls.Dial("tcp", ssl, &tls.Config{ServerName: "tcp.example.test", InsecureSkipVerify: true}) //nolint:gosec // self-signed test certificate
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if cn := c.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "tcp.example.test" {
			t.Errorf("served certificate %q, want the sni's", cn)
		}
		roundTrip(t, c, "over tls\n", "over tls\n")
		// another name matches no tls route: the handshake completes (default
		// certificate), then the connection is closed
		c2, err := tls.Dial("tcp", ssl, &tls.Config{ServerName: "unknown.example.test", InsecureSkipVerify: true}) //nolint:gosec // test
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		_ = c2.SetDeadline(time.Now().Add(10 * time.Second))
		if b, _ := io.ReadAll(c2); len(b) != 0 {
			t.Fatalf("unrouted tls connection read %q", b)
		}
	})

	t.Run("tls passthrough by sni", func(t *testing.T) {
		cert, key := pemPair(t, "pass.example.test")
		pair, err := tls.X509KeyPair([]byte(cert), []byte(key))
		if err != nil {
			t.Fatal(err)
		}
		up := tcpEcho(t, &tls.Config{Certificates: []tls.Certificate{pair}})
		expectStatus(t, "service", form(t, admin+"/services", "name=tls-echo", "protocol=tcp", "host=127.0.0.1",
			fmt.Sprintf("port=%d", up.Port)), 201)
		expectStatus(t, "route", form(t, admin+"/services/tls-echo/routes", "protocols[]=tls_passthrough",
			"snis[]=pass.example.test"), 201)
		c, err := tls.Dial("tcp", plain, &tls.Config{ServerName: "pass.example.test", InsecureSkipVerify: true}) //nolint:gosec // test
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if cn := c.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "pass.example.test" {
			t.Errorf("certificate %q, want the upstream's own (TLS passed through)", cn)
		}
		roundTrip(t, c, "through\n", "through\n")
		// plain bytes on the same listener still take the tcp route
		p, err := net.Dial("tcp", plain)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		roundTrip(t, p, "plain\n", "plain\n")
	})

	t.Run("tls service and upstream targets", func(t *testing.T) {
		cert, key := pemPair(t, "up.example.test")
		pair, err := tls.X509KeyPair([]byte(cert), []byte(key))
		if err != nil {
			t.Fatal(err)
		}
		up := tcpEcho(t, &tls.Config{Certificates: []tls.Certificate{pair}})
		// a tls service: weir speaks TLS to the upstream, plain tcp to the client
		expectStatus(t, "service", form(t, admin+"/services", "name=tls-up", "url="+fmt.Sprintf("tls://127.0.0.1:%d", up.Port)), 201)
		expectStatus(t, "route", form(t, admin+"/services/tls-up/routes", "protocols[]=tcp",
			"destinations[1].port="+port(extra)), 201)
		c, err := net.Dial("tcp", extra)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		roundTrip(t, c, "to a tls upstream\n", "to a tls upstream\n")

		// an upstream entity: the service names it, its target greets, then echoes
		greeter := tcpGreeter(t, nil, "target:")
		expectStatus(t, "upstream", form(t, admin+"/upstreams", "name=tcp-targets"), 201)
		expectStatus(t, "target", form(t, admin+"/upstreams/tcp-targets/targets", fmt.Sprintf("target=127.0.0.1:%d", greeter.Port)), 201)
		expectStatus(t, "service", form(t, admin+"/services", "name=balanced", "protocol=tcp", "host=tcp-targets", "port=1"), 201)
		// sources and destinations: more attributes, so it outranks the route above
		expectStatus(t, "route", form(t, admin+"/services/balanced/routes", "protocols[]=tcp",
			"sources[1].ip=127.0.0.0/8", "destinations[1].ip=127.0.0.1", "destinations[1].port="+port(extra)), 201)
		b, err := net.Dial("tcp", extra)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		roundTrip(t, b, "balanced\n", "target:balanced\n")
	})

	t.Run("a trapping plugin closes only its connection", func(t *testing.T) {
		wasm := filepath.Join(repoRoot(t), "testdata/wat/network.wasm")
		expectStatus(t, "upload", uploadModule(t, admin, "l4-fixture", wasm), 201)
		expectStatus(t, "route", form(t, admin+"/services/tcp-echo/routes", "name=trap-route", "protocols[]=tcp",
			"destinations[1].ip=127.0.0.1", "destinations[1].port="+port(other)), 201)
		expectStatus(t, "plugin", postJSON(t, admin+"/routes/trap-route/plugins",
			`{"name":"l4-fixture","protocols":["tcp"]}`), 201)
		c, err := net.Dial("tcp", other)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// the fixture holds a partial line, then wraps the line; the echo comes back
		// prefixed
		roundTrip(t, c, "line\n", "<[line\n]")
		bad, err := net.Dial("tcp", other)
		if err != nil {
			t.Fatal(err)
		}
		defer bad.Close()
		_ = bad.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(bad, "!trap\n")
		if b, _ := io.ReadAll(bad); len(b) != 0 {
			t.Fatalf("the trapping connection read %q", b)
		}
		e.waitLog(t, "plugin failed; closing the connection", "l4-fixture")
		// the node is up: the network example's route still works, and a new
		// connection on the trap route gets a replaced instance
		p, err := net.Dial("tcp", plain)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		roundTrip(t, p, "still here\n", "still here\n")
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.Dial("tcp", other)
			if err != nil {
				t.Fatal(err)
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_, _ = io.WriteString(c, "again\n")
			got, err := bufio.NewReader(c).ReadString(']')
			c.Close()
			if err == nil && got == "<[again\n]" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no working connection after the trap: %q, %v", got, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
		// a callback that never returns: stopped at wasm_callback_timeout, and only
		// its connection is closed
		loop, err := net.Dial("tcp", other)
		if err != nil {
			t.Fatal(err)
		}
		defer loop.Close()
		_ = loop.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(loop, "~loop\n")
		if b, _ := io.ReadAll(loop); len(b) != 0 {
			t.Fatalf("the looping connection read %q", b)
		}
		deadline = time.Now().Add(10 * time.Second)
		for strings.Count(n.logs.String(), "wasm callback proxy_on_downstream_data failed") < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("no second callback failure (the deadline) logged:\n%s", n.logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
		roundTrip(t, p, "and still\n", "and still\n")
	})
}

// TestStreamRouteValidation: what the Admin API accepts for stream routes and
// services, as Kong.
func TestStreamRouteValidation(t *testing.T) {
	bin := buildWeir(t)
	n := startNode(t, bin, t.TempDir())
	admin := "http://" + n.admin
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url=tcp://127.0.0.1:9"), 201)
	tests := []struct {
		name   string
		fields []string
		status int
		want   string
	}{
		{"tcp by destination", []string{"protocols[]=tcp", "destinations[1].port=9000"}, 201, ""},
		{"tcp by source cidr", []string{"protocols[]=tcp", "sources[1].ip=10.0.0.0/8"}, 201, ""},
		{"tls by sni", []string{"protocols[]=tls", "snis[]=a.example.test"}, 201, ""},
		{"udp is accepted as in Kong", []string{"protocols[]=udp", "destinations[1].port=53"}, 201, ""},
		{"tcp needs an attribute", []string{"protocols[]=tcp"}, 400, "must set one of 'sources', 'destinations', 'snis'"},
		{"passthrough needs snis", []string{"protocols[]=tls_passthrough", "destinations[1].port=1"}, 400, "must set one of 'snis'"},
		{"no paths on tcp", []string{"protocols[]=tcp", "destinations[1].port=9000", "paths[]=/x"}, 400, "cannot set 'paths'"},
		{"bad ip", []string{"protocols[]=tcp", "sources[1].ip=10.0.0.300"}, 400, "invalid ip or cidr range: '10.0.0.300'"},
		{"empty entry", []string{"protocols[]=tcp", "destinations[1].ip="}, 400, ""},
		{"mixing http and tcp", []string{"protocols[]=tcp", "protocols[]=http", "destinations[1].port=1"}, 400, "mixing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := form(t, admin+"/services/s/routes", tt.fields...)
			expectStatus(t, tt.name, r, tt.status)
			if tt.want != "" && !strings.Contains(string(r.body), tt.want) {
				t.Errorf("body %s lacks %q", r.body, tt.want)
			}
		})
	}
	r := form(t, admin+"/services", "name=p", "protocol=tcp", "host=h", "port=1", "path=/x")
	expectStatus(t, "tcp service with a path", r, 400)
}
