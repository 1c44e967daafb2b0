package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store"
)

// selfSigned makes a PEM pair for cn, ECDSA or RSA.
func selfSigned(t *testing.T, cn string, useRSA bool) (certPEM, keyPEM string) {
	t.Helper()
	var pub, priv any
	if useRSA {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv = &k.PublicKey, k
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv = &k.PublicKey, k
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{cn, "dual.test"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

func cn(c *tls.Certificate) string {
	leaf, _ := x509.ParseCertificate(c.Certificate[0])
	return leaf.Subject.CommonName
}

func TestSelection(t *testing.T) {
	exactC, exactK := selfSigned(t, "exact", false)
	wildC, wildK := selfSigned(t, "wild", false)
	tailC, tailK := selfSigned(t, "tail", false)
	rsaC, rsaK := selfSigned(t, "dual-rsa", true)
	ecC, ecK := selfSigned(t, "dual-ec", false)
	defC, defK := selfSigned(t, "default", false)
	def, err := tls.X509KeyPair([]byte(defC), []byte(defK))
	if err != nil {
		t.Fatal(err)
	}
	certs := []store.Certificate{
		{ID: "c1", Cert: exactC, Key: exactK},
		{ID: "c2", Cert: wildC, Key: wildK},
		{ID: "c3", Cert: tailC, Key: tailK},
		{ID: "c4", Cert: rsaC, Key: rsaK, CertAlt: &ecC, KeyAlt: &ecK},
	}
	snis := []store.SNI{
		{Name: "api.example.com", Certificate: &store.Ref{ID: "c1"}},
		{Name: "*.example.com", Certificate: &store.Ref{ID: "c2"}},
		{Name: "tail.*", Certificate: &store.Ref{ID: "c3"}},
		{Name: "dual.test", Certificate: &store.Ref{ID: "c4"}},
	}
	ix, err := Build(certs, snis, &def, NewCache())
	if err != nil {
		t.Fatal(err)
	}
	ecdsaOnly := []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256}
	tests := []struct {
		name, server string
		schemes      []tls.SignatureScheme
		want         string
	}{
		{"exact", "api.example.com", nil, "exact"},
		{"exact, any case, trailing dot", "API.example.com.", nil, "exact"},
		{"wildcard, one label", "www.example.com", nil, "wild"},
		{"wildcard covers one label only", "a.b.example.com", nil, "default"},
		{"rightmost wildcard", "tail.org", nil, "tail"},
		{"no sni", "", nil, "default"},
		{"unknown", "other.net", nil, "default"},
		{"alternative pair for an ECDSA-only client", "dual.test", ecdsaOnly, "dual-ec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hello := &tls.ClientHelloInfo{ServerName: tt.server, SupportedVersions: []uint16{tls.VersionTLS13},
				SignatureSchemes: tt.schemes, SupportedCurves: []tls.CurveID{tls.CurveP256}}
			if tt.schemes == nil {
				hello.SignatureSchemes = []tls.SignatureScheme{tls.PSSWithSHA256, tls.ECDSAWithP256AndSHA256}
			}
			c, err := ix.Certificate(hello)
			if err != nil {
				t.Fatal(err)
			}
			if got := cn(c); got != tt.want {
				t.Fatalf("served %s, want %s", got, tt.want)
			}
		})
	}
	if _, err := Build([]store.Certificate{{ID: "bad", Cert: exactC, Key: wildK}}, nil, nil, NewCache()); err == nil {
		t.Fatal("a certificate with the wrong key was accepted")
	}
	empty, _ := Build(nil, nil, nil, NewCache())
	if _, err := empty.Certificate(&tls.ClientHelloInfo{ServerName: "x"}); err == nil {
		t.Fatal("no certificate and no default, yet no error")
	}
}
