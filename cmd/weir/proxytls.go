package main

import (
	"crypto/tls"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
)

// Files of the generated default proxy certificate, under the prefix, named as Kong
// names its own.
const (
	proxyCertFile = "ssl/kong-default.crt"
	proxyKeyFile  = "ssl/kong-default.key"
)

// proxyDefaultCertificate is the certificate ssl proxy listeners serve when no SNI
// matches: ssl_cert/ssl_cert_key, or a self-signed pair kept in the prefix. nil when
// no proxy or stream listener has the ssl flag.
func proxyDefaultCertificate(c *conf.Config) (*tls.Certificate, error) {
	ssl := func(l conf.Listen) bool { return slices.Contains(l.Flags, "ssl") }
	if !slices.ContainsFunc(c.ProxyListen, ssl) && !slices.ContainsFunc(c.StreamListen, ssl) {
		return nil, nil
	}
	certFile, keyFile := c.Proxy.SSLCert, c.Proxy.SSLCertKey
	if certFile == "" {
		certFile, keyFile = filepath.Join(c.Prefix, proxyCertFile), filepath.Join(c.Prefix, proxyKeyFile)
		if err := ensureSelfSigned(certFile, keyFile); err != nil {
			return nil, fmt.Errorf("default proxy certificate: %w", err)
		}
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("ssl_cert: %w", err)
	}
	return &pair, nil
}
