package jwt

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"hash"
	"math/big"
	"strings"
)

// token is a decoded JWT, as Kong's jwt_parser decodes it.
type token struct {
	header    map[string]any
	claims    map[string]any
	alg       string
	signed    string // header.claims, the bytes the signature covers
	signature []byte
}

// algorithms lists what Kong's parser knows, with the hash each uses.
var algorithms = map[string]crypto.Hash{
	"HS256": crypto.SHA256, "HS384": crypto.SHA384, "HS512": crypto.SHA512,
	"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512,
	"ES256": crypto.SHA256, "ES384": crypto.SHA384, "ES512": crypto.SHA512,
	"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512,
	"EdDSA": 0,
}

// errUnexpected marks a failure Kong raises as a Lua error (a 500), not a 401: an
// unusable public key, an ECDSA or PSS signature of the wrong length.
var errUnexpected = errors.New("unexpected")

// decodeToken splits a token into three parts (the third keeps any further dots) and
// decodes them; the error text is what follows "Bad token; " in Kong's answer.
func decodeToken(raw string) (*token, string) {
	parts := strings.SplitN(raw, ".", 3)
	if len(parts) < 3 {
		return nil, "invalid JSON"
	}
	t := &token{signed: parts[0] + "." + parts[1]}
	hdr, okH := b64url(parts[0])
	cl, okC := b64url(parts[1])
	if !okH || !okC || !jsonValue(hdr) || !jsonValue(cl) {
		return nil, "invalid JSON"
	}
	_ = json.Unmarshal(hdr, &t.header) // not an object: no alg, reported below
	t.alg, _ = t.header["alg"].(string)
	if _, ok := algorithms[t.alg]; !ok {
		return nil, "invalid alg"
	}
	_ = json.Unmarshal(cl, &t.claims) // not an object: no claims at all
	sig, ok := b64url(parts[2])
	if !ok {
		return nil, "invalid signature"
	}
	t.signature = sig
	return t, ""
}

// jsonValue reports whether b is one JSON value (of any type), as cjson decodes.
func jsonValue(b []byte) bool {
	var v any
	return json.Unmarshal(b, &v) == nil
}

// b64url decodes base64url, padding it first, as Kong does.
func b64url(s string) ([]byte, bool) {
	if r := len(s) % 4; r > 0 {
		s += strings.Repeat("=", 4-r)
	}
	b, err := base64.URLEncoding.DecodeString(s)
	return b, err == nil
}

// claimString reads the claim (then header field) naming the secret: present is false
// when neither has it (or it is false or null).
func (t *token) keyClaim(name string) (v any, present bool) {
	for _, m := range []map[string]any{t.claims, t.header} {
		if v, ok := m[name]; ok && v != nil && v != false {
			return v, true
		}
	}
	return nil, false
}

// verify checks the signature with an HMAC secret or a PEM public key. A false answer
// is Kong's "Invalid signature"; errUnexpected is its 500.
func (t *token) verify(key []byte) (bool, error) {
	h := algorithms[t.alg]
	data := []byte(t.signed)
	if strings.HasPrefix(t.alg, "HS") {
		mac := hmac.New(hashFunc(h), key)
		mac.Write(data)
		return hmac.Equal(mac.Sum(nil), t.signature), nil
	}
	pub, err := parsePublicKey(key)
	if err != nil {
		return false, errUnexpected
	}
	var digest []byte
	if h != 0 {
		d := h.New()
		d.Write(data)
		digest = d.Sum(nil)
	}
	switch t.alg[:2] {
	case "RS":
		k, ok := pub.(*rsa.PublicKey)
		return ok && rsa.VerifyPKCS1v15(k, h, digest, t.signature) == nil, nil
	case "PS":
		if len(t.signature) != 256 {
			return false, errUnexpected // Kong asserts a 256-byte signature
		}
		k, ok := pub.(*rsa.PublicKey)
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}
		return ok && rsa.VerifyPSS(k, h, digest, t.signature, opts) == nil, nil
	case "ES":
		if len(t.signature) != map[string]int{"ES256": 64, "ES384": 96, "ES512": 132}[t.alg] {
			return false, errUnexpected // Kong asserts the raw r||s length
		}
		k, ok := pub.(*ecdsa.PublicKey)
		half := len(t.signature) / 2
		r := new(big.Int).SetBytes(t.signature[:half])
		s := new(big.Int).SetBytes(t.signature[half:])
		return ok && ecdsa.Verify(k, digest, r, s), nil
	}
	k, ok := pub.(ed25519.PublicKey) // EdDSA
	return ok && ed25519.Verify(k, data, t.signature), nil
}

func hashFunc(h crypto.Hash) func() hash.Hash {
	switch h {
	case crypto.SHA384:
		return sha512.New384
	case crypto.SHA512:
		return sha512.New
	}
	return sha256.New
}

// parsePublicKey reads a PEM public key: PKIX ("PUBLIC KEY"), PKCS#1 ("RSA PUBLIC
// KEY") or the public key of a certificate.
func parsePublicKey(pemText []byte) (any, error) {
	block, _ := pem.Decode(bytes.TrimSpace(pemText))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	switch block.Type {
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		return c.PublicKey, nil
	}
	return x509.ParsePKIXPublicKey(block.Bytes)
}

// verifyClaims checks the registered claims Kong knows (exp, nbf) at now, in order,
// and returns Kong's error object, nil when they hold.
func (t *token) verifyClaims(names []string, now int64) map[string]string {
	var errs map[string]string
	add := func(k, v string) {
		if errs == nil {
			errs = map[string]string{}
		}
		errs[k] = v
	}
	for _, name := range names {
		v, isNum := t.claims[name].(float64)
		switch {
		case name != "exp" && name != "nbf":
			continue
		case !isNum:
			add(name, "must be a number")
		case name == "exp" && v <= float64(now):
			add(name, "token expired")
		case name == "nbf" && v > float64(now):
			add(name, "token not valid yet")
		}
	}
	return errs
}

// checkMaximumExpiration is Kong's maximum_expiration rule: exp must be present and at
// most max seconds away.
func (t *token) checkMaximumExpiration(max float64, now int64) map[string]string {
	exp, ok := t.claims["exp"].(float64)
	if max <= 0 || (ok && exp-float64(now) <= max) {
		return nil
	}
	return map[string]string{"exp": "exceeds maximum allowed expiration"}
}
