// Package tlscert picks the certificate a proxy TLS handshake is served with, from the
// store's certificates and snis: the SNI named exactly, else a wildcard SNI ("*.x" for
// the leftmost label, then "x.*" for the rightmost), else the default certificate.
// When a certificate has an alternative pair (cert_alt/key_alt, the other key type),
// the one the client supports is served.
package tlscert

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"strings"
	"sync"

	"github.com/weir-gateway/weir/store"
)

// Index is an immutable lookup from server names to certificates.
type Index struct {
	exact    map[string][]*tls.Certificate
	suffix   map[string][]*tls.Certificate // "*.example.com" under ".example.com"
	prefix   map[string][]*tls.Certificate // "example.*" under "example."
	fallback *tls.Certificate
}

// Cache keeps parsed key pairs between builds, so a configuration change does not
// parse every certificate again.
type Cache struct {
	mu    sync.Mutex
	pairs map[[32]byte]*tls.Certificate
}

// NewCache makes an empty cache.
func NewCache() *Cache { return &Cache{pairs: map[[32]byte]*tls.Certificate{}} }

func (c *Cache) pair(cert, key string) (*tls.Certificate, error) {
	sum := sha256.Sum256([]byte(cert + "\x00" + key))
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.pairs[sum]; p != nil {
		return p, nil
	}
	p, err := tls.X509KeyPair([]byte(cert), []byte(key))
	if err != nil {
		return nil, err
	}
	c.pairs[sum] = &p
	return &p, nil
}

// retain drops cached pairs no longer in use.
func (c *Cache) retain(used map[*tls.Certificate]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, p := range c.pairs {
		if !used[p] {
			delete(c.pairs, k)
		}
	}
}

// Build indexes the snis over their certificates; fallback is served when no SNI
// matches (Kong's default certificate).
func Build(certs []store.Certificate, snis []store.SNI, fallback *tls.Certificate, cache *Cache) (*Index, error) {
	byID := make(map[string][]*tls.Certificate, len(certs))
	used := map[*tls.Certificate]bool{}
	for _, c := range certs {
		p, err := cache.pair(c.Cert, c.Key)
		if err != nil {
			return nil, fmt.Errorf("certificate %s: %w", c.ID, err)
		}
		pairs := []*tls.Certificate{p}
		if c.CertAlt != nil && c.KeyAlt != nil && *c.CertAlt != "" {
			alt, err := cache.pair(*c.CertAlt, *c.KeyAlt)
			if err != nil {
				return nil, fmt.Errorf("certificate %s (alternative): %w", c.ID, err)
			}
			pairs = append(pairs, alt)
		}
		for _, p := range pairs {
			used[p] = true
		}
		byID[c.ID] = pairs
	}
	cache.retain(used)
	ix := &Index{exact: map[string][]*tls.Certificate{}, suffix: map[string][]*tls.Certificate{},
		prefix: map[string][]*tls.Certificate{}, fallback: fallback}
	for _, s := range snis {
		if s.Certificate == nil || byID[s.Certificate.ID] == nil {
			continue
		}
		pairs, name := byID[s.Certificate.ID], strings.ToLower(s.Name)
		switch {
		case strings.HasPrefix(name, "*."):
			ix.suffix[name[1:]] = pairs
		case strings.HasSuffix(name, ".*"):
			ix.prefix[name[:len(name)-1]] = pairs
		default:
			ix.exact[name] = pairs
		}
	}
	return ix, nil
}

// Lookup returns the certificates for a server name, nil when only the default fits.
func (ix *Index) Lookup(serverName string) []*tls.Certificate {
	name := strings.ToLower(strings.TrimSuffix(serverName, "."))
	if p := ix.exact[name]; p != nil {
		return p
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		if p := ix.suffix[name[i:]]; p != nil {
			return p
		}
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 && i < len(name)-1 {
		if p := ix.prefix[name[:i+1]]; p != nil {
			return p
		}
	}
	return nil
}

// Certificate answers tls.Config.GetCertificate: the SNI's certificate of a type the
// client supports, else the default.
func (ix *Index) Certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	pairs := ix.Lookup(hello.ServerName)
	for _, p := range pairs {
		if hello.SupportsCertificate(p) == nil {
			return p, nil
		}
	}
	if len(pairs) > 0 {
		return pairs[0], nil
	}
	if ix.fallback == nil {
		return nil, fmt.Errorf("no certificate for %q", hello.ServerName)
	}
	return ix.fallback, nil
}
