package main_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// clientCA makes a CA and a client certificate it signed.
func clientCA(t *testing.T) (caPEM []byte, client tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "operator"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestAdminTLS: an ssl admin listener serves a self-signed certificate generated on
// first start and kept across restarts; with admin_ssl_client_ca, a client certificate
// from that CA authenticates, and requests without one get 401 on every listener.
func TestAdminTLS(t *testing.T) {
	bin := buildWeir(t)
	caPEM, clientCert := clientCA(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	plain, secure := freeAddr(t), freeAddr(t)
	prefix := t.TempDir()
	n := &node{binary: bin, prefix: prefix, proxy: freeAddr(t), admin: plain,
		extraEnv: []string{"WEIR_ADMIN_LISTEN=" + plain + ", " + secure + " ssl", "WEIR_ADMIN_SSL_CLIENT_CA=" + caFile}}
	n.start(t)
	// start returns once the first listener answers; the ssl one follows it.
	certFile := filepath.Join(prefix, "ssl", "admin-kong-default.crt")
	waitTLS := func() {
		eventually(t, 10*time.Second, "the ssl admin listener", func() error {
			conn, err := tls.Dial("tcp", secure, &tls.Config{InsecureSkipVerify: true})
			if err == nil {
				conn.Close()
			}
			return err
		})
	}
	waitTLS()
	kept, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatalf("generated certificate not kept: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(kept)
	get := func(cert *tls.Certificate) int {
		cfg := &tls.Config{RootCAs: roots}
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 5 * time.Second}
		resp, err := c.Get("https://" + secure + "/services")
		if err != nil {
			t.Fatalf("https: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(&clientCert); got != 200 {
		t.Fatalf("with a client certificate: %d", got)
	}
	if got := get(nil); got != 401 {
		t.Fatalf("TLS without a client certificate: %d", got)
	}
	expectStatus(t, "plain HTTP without credentials", do(t, "GET", "http://"+plain+"/services", nil, nil), 401)

	n.stop(t)
	n.start(t)
	waitTLS()
	again, _ := os.ReadFile(certFile)
	if string(again) != string(kept) {
		t.Fatal("the generated certificate changed across a restart")
	}
	if got := get(&clientCert); got != 200 {
		t.Fatalf("after restart: %d", got)
	}
}
