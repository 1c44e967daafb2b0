package snapshot

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"

	"github.com/weir-gateway/weir/store"
)

// UpstreamTLS is how a service's connections to its upstream do TLS: Kong's
// tls_verify, ca_certificates and client_certificate.
type UpstreamTLS struct {
	// Key names the settings, so connections pools are shared by services with the
	// same ones and survive snapshots that leave them alone.
	Key    string
	Config *tls.Config
}

// UpstreamTLS returns the TLS settings of the service with that id, nil for a service
// that does not speak TLS to its upstream.
func (s *Snapshot) UpstreamTLS(serviceID string) *UpstreamTLS { return s.upstreamTLS[serviceID] }

// buildUpstreamTLS makes the TLS settings of every TLS service. As in Kong, a
// certificate is verified only with tls_verify on (nginx's proxy_ssl_verify is off by
// default), against ca_certificates when set, else the system's roots; the server
// name sent is the service's host.
func (s *Snapshot) buildUpstreamTLS(ds *store.Dataset) error {
	cas := make(map[string]*store.CACertificate, len(ds.CACertificates))
	for i := range ds.CACertificates {
		cas[ds.CACertificates[i].ID] = &ds.CACertificates[i]
	}
	certs := make(map[string]*store.Certificate, len(ds.Certificates))
	for i := range ds.Certificates {
		certs[ds.Certificates[i].ID] = &ds.Certificates[i]
	}
	s.upstreamTLS = map[string]*UpstreamTLS{}
	for i := range ds.Services {
		svc := &ds.Services[i]
		if !slices.Contains([]string{"https", "grpcs", "tls"}, svc.Protocol) {
			continue
		}
		verify := svc.TLSVerify != nil && *svc.TLSVerify
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: svc.Host, InsecureSkipVerify: !verify} //nolint:gosec // Kong's default: tls_verify off
		key := []string{fmt.Sprintf("verify=%t", verify), "sni=" + svc.Host}
		if verify && len(svc.CACertificates) > 0 {
			pool := x509.NewCertPool()
			for _, id := range svc.CACertificates {
				ca := cas[id]
				if ca == nil || !pool.AppendCertsFromPEM([]byte(ca.Cert)) {
					return fmt.Errorf("service %s: ca_certificate %s: not found or not PEM", svc.ID, id)
				}
				key = append(key, fmt.Sprintf("ca=%s@%d", id, ca.UpdatedAt))
			}
			cfg.RootCAs = pool
		}
		if verify && svc.TLSVerifyDepth != nil {
			cfg.VerifyConnection = verifyDepth(*svc.TLSVerifyDepth)
			key = append(key, fmt.Sprintf("depth=%d", *svc.TLSVerifyDepth))
		}
		if svc.ClientCertificate != nil {
			c := certs[svc.ClientCertificate.ID]
			if c == nil {
				return fmt.Errorf("service %s: client_certificate %s not found", svc.ID, svc.ClientCertificate.ID)
			}
			pair, err := tls.X509KeyPair([]byte(c.Cert), []byte(c.Key))
			if err != nil {
				return fmt.Errorf("service %s: client_certificate %s: %w", svc.ID, c.ID, err)
			}
			// presented whenever the upstream asks, as nginx's proxy_ssl_certificate,
			// whatever authorities the upstream lists
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
			key = append(key, fmt.Sprintf("client=%s@%d", c.ID, c.UpdatedAt))
		}
		s.upstreamTLS[svc.ID] = &UpstreamTLS{Key: strings.Join(key, "|"), Config: cfg}
	}
	return nil
}

// verifyDepth is tls_verify_depth as OpenSSL counts it: the certificates above the
// upstream's own that a verified chain may hold (1: leaf and the CA that signed it).
func verifyDepth(depth int) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		for _, chain := range cs.VerifiedChains {
			if len(chain)-1 <= depth {
				return nil
			}
		}
		return fmt.Errorf("upstream certificate chain is deeper than tls_verify_depth %d", depth)
	}
}
