package upstream

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/store"
)

func clientPair(t *testing.T) (string, string) {
	return selfSigned(t, "weir-client", x509.ExtKeyUsageClientAuth)
}

// selfSigned is a certificate for name, and its key, in PEM.
func selfSigned(t *testing.T, name string, usage x509.ExtKeyUsage) (string, string) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

// TestUpstreamTLS: tls_verify off by default, on against the system roots (which do
// not know the test server) or ca_certificates, and client_certificate presented.
func TestUpstreamTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "upstream.example" || r.URL.Path != "/p" {
			w.WriteHeader(400)
		}
		if len(r.TLS.PeerCertificates) > 0 {
			w.Header().Set("x-client", r.TLS.PeerCertificates[0].Subject.CommonName)
		}
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	certPEM, keyPEM := clientPair(t)
	host, portStr, _ := strings.Cut(srv.Listener.Addr().String(), ":")
	port, _ := strconv.Atoi(portStr)
	on, off := true, false
	tests := []struct {
		name       string
		verify     *bool
		cas        []string
		client     bool
		wantErr    bool
		wantClient string
	}{
		{"tls_verify unset: not verified", nil, nil, false, false, ""},
		{"tls_verify off", &off, nil, false, false, ""},
		{"tls_verify on, system roots", &on, nil, false, true, ""},
		{"tls_verify on, ca_certificates", &on, []string{"ca1"}, false, false, ""},
		{"client certificate", nil, nil, true, false, "weir-client"},
		{"tls_verify_depth 0 takes a self-signed upstream", &on, []string{"ca1"}, false, false, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := store.Service{ID: "s" + strconv.Itoa(i), Protocol: "https", Host: host, Port: port, TLSVerify: tt.verify,
				CACertificates: tt.cas, Enabled: true, ConnectTimeout: 2000, ReadTimeout: 2000, WriteTimeout: 2000}
			if tt.client {
				svc.ClientCertificate = &store.Ref{ID: "cc"}
			}
			if strings.Contains(tt.name, "depth 0") {
				zero := 0
				svc.TLSVerifyDepth = &zero
			}
			ds := &store.Dataset{Services: []store.Service{svc},
				CACertificates: []store.CACertificate{{ID: "ca1", Cert: caPEM}},
				Certificates:   []store.Certificate{{ID: "cc", Cert: certPEM, Key: keyPEM}}}
			snap, err := snapshot.Build(context.Background(), ds, nil)
			if err != nil {
				t.Fatal(err)
			}
			var h pipeline.Headers
			req := &pipeline.UpstreamRequest{Method: "GET", Path: "/p", Host: "upstream.example", Headers: &h, TLS: snap.UpstreamTLS(svc.ID)}
			var resp pipeline.Message
			err = New().Do(context.Background(), &svc, req, &resp)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if err == nil && resp.Headers.Value(":status") != "200" {
				t.Fatalf("status %s", resp.Headers.Value(":status"))
			}
			if err == nil && resp.Headers.Value("x-client") != tt.wantClient {
				t.Fatalf("client certificate %q, want %q", resp.Headers.Value("x-client"), tt.wantClient)
			}
		})
	}
}
