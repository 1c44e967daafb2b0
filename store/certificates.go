package store

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"reflect"
	"strings"
	"time"

	"github.com/weir-gateway/weir/store/schema"
)

// TLS entities: certificates with their SNIs, and CA certificates
// (kong/db/schema/entities/certificates.lua, snis.lua, ca_certificates.lua).

// Entity names of the TLS tables.
const (
	Certificates   = "certificates"
	SNIs           = "snis"
	CACertificates = "ca_certificates"
)

// Certificate is a PEM certificate and key, optionally with an alternative pair of the
// other key type (Kong's certificates).
type Certificate struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	UpdatedAt int64    `json:"updated_at"`
	Cert      string   `json:"cert"`
	Key       string   `json:"key"`
	CertAlt   *string  `json:"cert_alt"`
	KeyAlt    *string  `json:"key_alt"`
	Tags      []string `json:"tags"`
}

// SNI is a server name served with a certificate (Kong's snis).
type SNI struct {
	ID          string   `json:"id"`
	CreatedAt   int64    `json:"created_at"`
	UpdatedAt   int64    `json:"updated_at"`
	Name        string   `json:"name"`
	Certificate *Ref     `json:"certificate"`
	Tags        []string `json:"tags"`
}

// CACertificate is a trusted CA for verifying upstreams or clients (Kong's
// ca_certificates). CertDigest is the SHA-256 of the DER certificate, lower-case hex.
type CACertificate struct {
	ID         string   `json:"id"`
	CreatedAt  int64    `json:"created_at"`
	UpdatedAt  int64    `json:"updated_at"`
	Cert       string   `json:"cert"`
	CertDigest string   `json:"cert_digest"`
	Tags       []string `json:"tags"`
}

var certificateSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"cert": {"type": "string", "required": true, "description": "PEM certificate, optionally followed by its chain."}},
 {"key": {"type": "string", "required": true, "description": "PEM private key of the certificate."}},
 {"cert_alt": {"type": "string", "description": "PEM certificate of the other key type (RSA or ECDSA)."}},
 {"key_alt": {"type": "string", "description": "PEM private key of cert_alt."}},
 ` + tagsField + `
]}`)

var sniSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"name": {"type": "string", "required": true, "description": "Server name; one wildcard label, leftmost or rightmost."}},
 {"certificate": {"type": "foreign", "reference": "certificates", "required": true, "description": "The certificate served for this name."}},
 ` + tagsField + `
]}`)

var caCertificateSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"cert": {"type": "string", "required": true, "description": "One PEM CA certificate."}},
 {"cert_digest": {"type": "string", "auto": true, "description": "SHA-256 of the certificate, hex; computed."}},
 ` + tagsField + `
]}`)

func init() {
	certificateSchema.Get("cert").Check = checkCertificate
	certificateSchema.Get("cert_alt").Check = checkCertificate
	certificateSchema.Get("key").Check = checkKey
	certificateSchema.Get("key_alt").Check = checkKey
	sniSchema.Get("name").Check = checkSNIName
}

func checkCertificate(v any) string {
	s, _ := v.(string)
	if _, err := firstCertificate(s); err != "" {
		return err
	}
	return ""
}

func firstCertificate(s string) (*x509.Certificate, string) {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, "invalid certificate: not a PEM certificate"
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, "invalid certificate: " + err.Error()
	}
	return c, ""
}

func checkKey(v any) string {
	s, _ := v.(string)
	block, _ := pem.Decode([]byte(s))
	if block == nil || !strings.HasSuffix(block.Type, "PRIVATE KEY") {
		return "invalid key: not a PEM private key"
	}
	return ""
}

// checkSNIName: a host name without port, with at most one wildcard, as the leftmost
// or rightmost label (Kong's wildcard_host).
func checkSNIName(v any) string {
	s, _ := v.(string)
	if strings.Contains(s, ":") {
		return "must not have a port"
	}
	host := s
	switch {
	case strings.HasPrefix(s, "*."):
		host = s[2:]
	case strings.HasSuffix(s, ".*"):
		host = s[:len(s)-2]
	}
	if strings.Contains(host, "*") {
		return "invalid wildcard: must be placed at leftmost or rightmost label"
	}
	if !validHostname(host) {
		return "invalid value: " + s
	}
	return ""
}

// certificateChecks: each key must match its certificate, the alternative pair comes
// whole and has the other key type.
func certificateChecks(e map[string]any) map[string]any {
	errs := map[string]any{}
	cert, _ := e["cert"].(string)
	key, _ := e["key"].(string)
	if _, err := tls.X509KeyPair([]byte(cert), []byte(key)); err != nil {
		errs["@entity"] = []any{"certificate does not match key"}
	}
	certAlt, _ := e["cert_alt"].(string)
	keyAlt, _ := e["key_alt"].(string)
	switch {
	case certAlt == "" && keyAlt == "":
	case certAlt == "":
		errs["cert_alt"] = "required field missing"
	case keyAlt == "":
		errs["key_alt"] = "required field missing"
	default:
		if _, err := tls.X509KeyPair([]byte(certAlt), []byte(keyAlt)); err != nil {
			errs["@entity"] = []any{"alternative certificate does not match key"}
		} else if sameKeyType(cert, certAlt) {
			errs["@entity"] = []any{"certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type"}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func sameKeyType(a, b string) bool {
	ca, _ := firstCertificate(a)
	cb, _ := firstCertificate(b)
	if ca == nil || cb == nil {
		return false
	}
	return keyKind(ca.PublicKey) == keyKind(cb.PublicKey)
}

func keyKind(k any) string {
	switch k.(type) {
	case *rsa.PublicKey:
		return "rsa"
	case *ecdsa.PublicKey:
		return "ecdsa"
	case ed25519.PublicKey:
		return "ed25519"
	}
	return reflect.TypeOf(k).String()
}

// caCertificateInput computes cert_digest and checks that cert is exactly one CA
// certificate that has not expired.
func caCertificateInput(in map[string]any, now time.Time) (map[string]any, error) {
	in = cloneMap(in)
	s, ok := in["cert"].(string)
	if !ok {
		return in, nil
	}
	block, rest := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, SchemaViolation(map[string]any{"cert": "invalid certificate: not a PEM certificate"})
	}
	if more, _ := pem.Decode(rest); more != nil {
		return nil, SchemaViolation(map[string]any{"cert": "please submit only one certificate at a time"})
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, SchemaViolation(map[string]any{"cert": "invalid certificate: " + err.Error()})
	}
	if !c.BasicConstraintsValid || !c.IsCA {
		return nil, SchemaViolation(map[string]any{"cert": `certificate does not appear to be a CA because it is missing the "CA" basic constraint`})
	}
	if now.After(c.NotAfter) {
		return nil, SchemaViolation(map[string]any{"cert": `certificate expired, "Not After" time is in the past`})
	}
	sum := sha256.Sum256(block.Bytes)
	in["cert_digest"] = hex.EncodeToString(sum[:])
	return in, nil
}
