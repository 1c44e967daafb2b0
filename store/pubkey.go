package store

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParsePublicKey parses a PEM public key (PKIX, or PKCS#1 RSA), the form Kong's jwt
// plugin takes in rsa_public_key.
func ParsePublicKey(s string) (any, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("not a PEM block")
	}
	if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS1PublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKIX or PKCS#1 public key: %w", err)
	}
	return k, nil
}
