package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
)

// wrapAdminTLS serves TLS on an admin or status listener with the ssl flag; both serve
// the Admin API's certificate.
func wrapAdminTLS(c *conf.Config, property string, l conf.Listen, ln net.Listener) (net.Listener, error) {
	if !slices.Contains(l.Flags, "ssl") {
		return ln, nil
	}
	cfg, err := adminTLS(c)
	if err != nil {
		return nil, fmt.Errorf("%s %s ssl: %w", property, l.Addr, err)
	}
	return tls.NewListener(ln, cfg), nil
}

// Files of the generated admin certificate, under the prefix, named as Kong names its
// own default certificates.
const (
	adminCertFile = "ssl/admin-kong-default.crt"
	adminKeyFile  = "ssl/admin-kong-default.key"
)

// adminCertValidity is how long a generated certificate lasts; a node regenerates it
// when the kept one has expired.
const adminCertValidity = 3 * 365 * 24 * time.Hour

// adminTLS is the TLS configuration of ssl admin listeners: the configured certificate
// or the generated one, and, with admin_ssl_client_ca, client certificates verified
// against those CAs when a client presents one (the Admin API then answers 401 to
// requests without one, rather than failing the handshake with no explanation).
func adminTLS(c *conf.Config) (*tls.Config, error) {
	certFile, keyFile := c.Admin.SSLCert, c.Admin.SSLCertKey
	if certFile == "" {
		certFile, keyFile = filepath.Join(c.Prefix, adminCertFile), filepath.Join(c.Prefix, adminKeyFile)
		if err := ensureSelfSigned(certFile, keyFile); err != nil {
			return nil, fmt.Errorf("admin TLS certificate: %w", err)
		}
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("admin_ssl_cert: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if c.Admin.ClientCA != "" {
		pem, err := os.ReadFile(c.Admin.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("admin_ssl_client_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("admin_ssl_client_ca: %s holds no PEM certificate", c.Admin.ClientCA)
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

// ensureSelfSigned keeps a valid generated certificate, or writes a new one: ECDSA
// P-256, for localhost, the loopback addresses and this host's name.
func ensureSelfSigned(certFile, keyFile string) error {
	if pair, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil && pair.Leaf != nil && time.Now().Before(pair.Leaf.NotAfter) {
		return nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("the kept certificate %s does not load (remove it to have a new one generated): %w", certFile, err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "weir admin (self-signed)"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(adminCertValidity),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if host != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
