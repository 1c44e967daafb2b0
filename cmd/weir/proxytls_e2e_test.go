package main_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func pemPair(t *testing.T, cn string) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{cn}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

// TestProxyTLSAndHTTP2 drives the binary with `ssl http2` and plain `http2` proxy
// listeners: certificates chosen by SNI from the store (exact, wildcard, default),
// HTTP/1.1 and HTTP/2 over TLS, h2c, and the same pipeline behind all of them (routes
// on snis, https-only routes).
func TestProxyTLSAndHTTP2(t *testing.T) {
	t.Parallel() // its own node and ports; runs after the sequential tests, TestZeroDowntime included
	bin := buildWeir(t)
	tlsAddr, h2cAddr := freeAddr(t), freeAddr(t)
	n := &node{binary: bin, prefix: filepath.Join(t.TempDir(), "prefix"), proxy: freeAddr(t), admin: freeAddr(t)}
	n.extraEnv = []string{"WEIR_PROXY_LISTEN=" + n.proxy + ", " + tlsAddr + " ssl http2, " + h2cAddr + " http2"}
	n.start(t)
	admin := "http://" + n.admin
	echo := startEcho(t, bin)

	cert, key := pemPair(t, "api.example.test")
	body, _ := json.Marshal(map[string]any{"cert": cert, "key": key, "snis": []string{"api.example.test", "*.wild.test"}})
	expectStatus(t, "certificate", postJSON(t, admin+"/certificates", string(body)), 201)
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url=http://"+echo), 201)
	expectStatus(t, "route", form(t, admin+"/services/s/routes", "paths[]=/tls", "protocols[]=https"), 201)
	expectStatus(t, "sni route", form(t, admin+"/services/s/routes", "paths[]=/sni", "snis[]=api.example.test", "protocols[]=https"), 201)

	served := func(serverName string) string {
		conn, err := tls.Dial("tcp", tlsAddr, &tls.Config{ServerName: serverName, InsecureSkipVerify: true}) //nolint:gosec // self-signed test certificates
		if err != nil {
			t.Fatalf("handshake for %q: %v", serverName, err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	for _, tt := range []struct{ sni, want string }{
		{"api.example.test", "api.example.test"},
		{"a.wild.test", "api.example.test"},
		{"unknown.test", "weir admin (self-signed)"}, // the generated default certificate
	} {
		if got := served(tt.sni); got != tt.want {
			t.Errorf("SNI %s: served %q, want %q", tt.sni, got, tt.want)
		}
	}

	client := func(h2 bool, serverName string) *http.Client {
		tr := &http.Transport{TLSClientConfig: &tls.Config{ServerName: serverName, InsecureSkipVerify: true}} //nolint:gosec // self-signed
		tr.Protocols = new(http.Protocols)
		if h2 {
			tr.Protocols.SetHTTP2(true)
		} else {
			tr.Protocols.SetHTTP1(true)
		}
		return &http.Client{Transport: tr}
	}
	h2c := &http.Transport{Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	tests := []struct {
		name, url  string
		client     *http.Client
		wantProto  string
		wantStatus int
	}{
		{"HTTP/2 over TLS", "https://" + tlsAddr + "/tls/a", client(true, "api.example.test"), "HTTP/2.0", 200},
		{"HTTP/1.1 over TLS", "https://" + tlsAddr + "/tls/a", client(false, "api.example.test"), "HTTP/1.1", 200},
		{"route on its SNI", "https://" + tlsAddr + "/sni", client(true, "api.example.test"), "HTTP/2.0", 200},
		{"route refuses another SNI", "https://" + tlsAddr + "/sni", client(true, "a.wild.test"), "HTTP/2.0", 404},
		{"h2c with prior knowledge", "http://" + h2cAddr + "/tls/a", &http.Client{Transport: h2c}, "HTTP/2.0", 426},
		{"HTTP/1.1 on the h2c listener", "http://" + h2cAddr + "/tls/a", http.DefaultClient, "HTTP/1.1", 426},
		{"https-only route over plain http", "http://" + n.proxy + "/tls/a", http.DefaultClient, "HTTP/1.1", 426},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.client.Get(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var seen echoed
			_ = json.NewDecoder(resp.Body).Decode(&seen)
			if resp.Proto != tt.wantProto || resp.StatusCode != tt.wantStatus {
				t.Fatalf("got %s %d, want %s %d", resp.Proto, resp.StatusCode, tt.wantProto, tt.wantStatus)
			}
			if tt.wantStatus == 200 && (seen.Path != "/a" && seen.Path != "/" || !strings.EqualFold(seen.Headers["X-Forwarded-Proto"], "https")) {
				t.Fatalf("upstream saw %+v", seen)
			}
		})
	}
}
