package store

import (
	"crypto/ecdh"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"regexp"

	"github.com/weir-gateway/weir/store/schema"
)

// Secrets entities: vaults, and keys in key sets (kong/db/schema/entities/vaults.lua,
// keys.lua, key_sets.lua).

// Entity names of the secrets tables.
const (
	Vaults  = "vaults"
	Keys    = "keys"
	KeySets = "key_sets"
)

// Vault is a named, configured secret backend that `{vault://<prefix>/...}`
// references go through (Kong's vaults). Config is the backend's validated record.
type Vault struct {
	ID          string          `json:"id"`
	CreatedAt   int64           `json:"created_at"`
	UpdatedAt   int64           `json:"updated_at"`
	Prefix      string          `json:"prefix"`
	Name        string          `json:"name"`
	Description *string         `json:"description"`
	Config      json.RawMessage `json:"config"`
	Tags        []string        `json:"tags"`
}

// KeySet groups keys (Kong's key_sets).
type KeySet struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	UpdatedAt int64    `json:"updated_at"`
	Name      *string  `json:"name"`
	Tags      []string `json:"tags"`
}

// Key is one key, as a JWK (a JSON string) or a PEM pair (Kong's keys).
type Key struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	UpdatedAt int64    `json:"updated_at"`
	Set       *Ref     `json:"set"`
	Name      *string  `json:"name"`
	Kid       string   `json:"kid"`
	JWK       *string  `json:"jwk"`
	PEM       *KeyPEM  `json:"pem"`
	Tags      []string `json:"tags"`
}

// KeyPEM is a key's PEM form: a private key, a public key, or both.
type KeyPEM struct {
	PrivateKey *string `json:"private_key"`
	PublicKey  *string `json:"public_key"`
}

// bundledVaults are the vault backends an OSS node has (Kong's vaults = bundled).
var bundledVaults = []string{"env"}

var vaultSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"prefix": {"type": "string", "required": true, "description": "The prefix references use: {vault://<prefix>/<secret>}; lower-case letters, digits and dashes."}},
 {"name": {"type": "string", "required": true, "description": "The vault backend: env."}},
 {"description": {"type": "string", "description": "A description of the vault."}},
 {"config": {"type": "record", "fields": [
   {"prefix": {"type": "string", "match": "^[A-Za-z_][A-Za-z0-9_]*$", "description": "Prefix of the environment variables read (env vault)."}},
   {"base64_decode": {"type": "boolean", "default": false, "description": "Decode the values from base64."}},
   {"ttl": {"type": "integer", "between": [0, 100000000], "description": "Seconds a secret is cached."}},
   {"neg_ttl": {"type": "integer", "between": [0, 100000000], "description": "Seconds a missing secret is remembered."}},
   {"resurrect_ttl": {"type": "integer", "between": [0, 100000000], "description": "Seconds a stale secret is still used when refreshing it fails."}}
  ], "description": "The backend's configuration."}},
 ` + tagsField + `
]}`)

var keySetSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"name": {"type": "string", "description": "The name of the key set."}},
 ` + tagsField + `
]}`)

var keySchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"set": {"type": "foreign", "reference": "key_sets", "description": "The key set the key belongs to."}},
 {"name": {"type": "string", "description": "The name of the key."}},
 {"kid": {"type": "string", "required": true, "description": "The key's identifier; unique within its set."}},
 {"jwk": {"type": "string", "description": "A JSON Web Key, as a JSON string."}},
 {"pem": {"type": "record", "fields": [
   {"private_key": {"type": "string", "description": "PEM private key."}},
   {"public_key": {"type": "string", "description": "PEM public key."}}
  ], "description": "The key in PEM."}},
 ` + tagsField + `
]}`)

func init() {
	vaultSchema.Get("prefix").Check = checkVaultPrefix
	vaultSchema.Get("name").Check = checkVaultName
}

// vaultPrefix is vaults.lua's match for prefix, ^[a-z][a-z%d-]-[a-z%d]+$ in Lua.
var vaultPrefix = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

func checkVaultPrefix(v any) string {
	s, _ := v.(string)
	for _, b := range bundledVaults {
		if s == b {
			return "must not be one of: " + b
		}
	}
	if !vaultPrefix.MatchString(s) {
		return "invalid value: " + s
	}
	return ""
}

func checkVaultName(v any) string {
	s, _ := v.(string)
	for _, b := range bundledVaults {
		if s == b {
			return ""
		}
	}
	return fmt.Sprintf("vault '%s' is not installed", s)
}

// keyChecks are keys.lua's entity checks: exactly one of jwk and pem, a JWK that
// decodes, carries the key's kid and loads, and PEM keys that parse.
func keyChecks(e map[string]any) map[string]any {
	jwk, hasJWK := e["jwk"].(string)
	pemRec, hasPEM := e["pem"].(map[string]any)
	switch {
	case hasJWK && hasPEM:
		return entityError("only one or none of these fields must be set: 'jwk', 'pem'")
	case !hasJWK && !hasPEM:
		return entityError("at least one of these fields must be non-empty: 'jwk', 'pem'")
	case hasJWK:
		if msg := checkJWK(jwk, e["kid"]); msg != "" {
			return entityError(msg)
		}
	default:
		return checkKeyPEM(pemRec)
	}
	return nil
}

func entityError(msg string) map[string]any { return map[string]any{"@entity": []any{msg}} }

// checkJWK is keys.lua's JWK validation with typedefs.jwk's: the string decodes to an
// object whose kid is the key's, and it holds a key of a known type.
func checkJWK(s string, kid any) string {
	var jwk map[string]any
	if err := json.Unmarshal([]byte(s), &jwk); err != nil {
		return "could not json decode jwk string"
	}
	if jwk["kid"] != kid {
		return "kid in jwk.kid must be equal to keys.kid"
	}
	if err := loadJWK(jwk); err != nil {
		return "could not load JWK: " + err.Error()
	}
	return ""
}

// loadJWK checks that a JWK's members make a key of its kty (RFC 7518, RFC 8037).
func loadJWK(jwk map[string]any) error {
	member := func(name string) ([]byte, error) {
		s, _ := jwk[name].(string)
		if s == "" {
			return nil, fmt.Errorf("missing %q", name)
		}
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not base64url: %w", name, err)
		}
		return b, nil
	}
	switch kty, _ := jwk["kty"].(string); kty {
	case "RSA":
		n, err := member("n")
		if err != nil {
			return err
		}
		e, err := member("e")
		if err != nil {
			return err
		}
		if new(big.Int).SetBytes(n).BitLen() < 512 || new(big.Int).SetBytes(e).Sign() == 0 {
			return errors.New("not an RSA public key")
		}
	case "EC":
		return loadECJWK(jwk, member)
	case "OKP":
		x, err := member("x")
		if err != nil {
			return err
		}
		sizes := map[string]int{"Ed25519": 32, "X25519": 32, "Ed448": 57, "X448": 56}
		if crv, _ := jwk["crv"].(string); sizes[crv] == 0 || len(x) != sizes[crv] {
			return fmt.Errorf("unsupported curve or key size for OKP: %v", jwk["crv"])
		}
	case "oct":
		_, err := member("k")
		return err
	default:
		return fmt.Errorf("unsupported kty %q", kty)
	}
	return nil
}

// loadECJWK checks that x and y are a point of the named curve.
func loadECJWK(jwk map[string]any, member func(string) ([]byte, error)) error {
	curves := map[string]ecdh.Curve{"P-256": ecdh.P256(), "P-384": ecdh.P384(), "P-521": ecdh.P521()}
	crv, _ := jwk["crv"].(string)
	curve := curves[crv]
	if curve == nil {
		return fmt.Errorf("unsupported curve %q", crv)
	}
	x, err := member("x")
	if err != nil {
		return err
	}
	y, err := member("y")
	if err != nil {
		return err
	}
	size := map[string]int{"P-256": 32, "P-384": 48, "P-521": 66}[crv]
	if len(x) != size || len(y) != size {
		return fmt.Errorf("coordinates of %s must be %d bytes", crv, size)
	}
	point := append(append([]byte{4}, x...), y...)
	if _, err := curve.NewPublicKey(point); err != nil {
		return fmt.Errorf("not a point of %s", crv)
	}
	return nil
}

// checkKeyPEM: at least one key, and each given key parses.
func checkKeyPEM(rec map[string]any) map[string]any {
	priv, _ := rec["private_key"].(string)
	pub, _ := rec["public_key"].(string)
	if priv == "" && pub == "" {
		return entityError("need to supply a PEM formatted public and/or private key.")
	}
	errs := map[string]any{}
	if pub != "" {
		if _, err := ParsePublicKey(pub); err != nil {
			errs["public_key"] = "could not load public key"
		}
	}
	if priv != "" {
		if _, err := parsePrivateKey(priv); err != nil {
			errs["private_key"] = "could not load private key"
		}
	}
	if len(errs) > 0 {
		return map[string]any{"pem": errs}
	}
	return nil
}

// parsePrivateKey parses a PEM private key: PKCS#8, PKCS#1 RSA or SEC 1 EC.
func parsePrivateKey(s string) (any, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("not a PEM block")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return x509.ParseECPrivateKey(block.Bytes)
}
