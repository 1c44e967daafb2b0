package store

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/weir-gateway/weir/store/schema"
)

// The credential entities of Kong's auth plugins (kong/plugins/{jwt,basic-auth,acl,
// hmac-auth}/daos.lua). Each belongs to a consumer and goes with it.

// Entity names of the credential tables.
const (
	JWTSecrets           = "jwt_secrets"
	BasicAuthCredentials = "basicauth_credentials"
	ACLs                 = "acls"
	HMACAuthCredentials  = "hmacauth_credentials"
)

// JWTSecret is a consumer's JWT signing key (Kong's jwt_secrets).
type JWTSecret struct {
	ID           string   `json:"id"`
	CreatedAt    int64    `json:"created_at"`
	Consumer     *Ref     `json:"consumer"`
	Key          string   `json:"key"`
	Secret       string   `json:"secret"`
	RSAPublicKey *string  `json:"rsa_public_key"`
	Algorithm    string   `json:"algorithm"`
	Tags         []string `json:"tags"`
}

// BasicAuthCredential is a consumer's username and password (Kong's
// basicauth_credentials). Password holds a bcrypt hash, never the password itself.
type BasicAuthCredential struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	Consumer  *Ref     `json:"consumer"`
	Username  string   `json:"username"`
	Password  string   `json:"password"`
	Tags      []string `json:"tags"`
}

// ACL puts a consumer in a group (Kong's acls).
type ACL struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	Consumer  *Ref     `json:"consumer"`
	Group     string   `json:"group"`
	Tags      []string `json:"tags"`
}

// HMACAuthCredential is a consumer's HMAC username and secret (Kong's
// hmacauth_credentials).
type HMACAuthCredential struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	Consumer  *Ref     `json:"consumer"`
	Username  string   `json:"username"`
	Secret    string   `json:"secret"`
	Tags      []string `json:"tags"`
}

const consumerRef = `{"consumer": {"type": "foreign", "reference": "consumers", "required": true, "description": "The consumer owning the credential."}}`

var jwtAlgorithms = []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}

var jwtSecretSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 ` + consumerRef + `,
 {"key": {"type": "string", "auto": true, "description": "Identifies the secret: the iss claim by default; generated when omitted."}},
 {"secret": {"type": "string", "auto": true, "description": "HMAC secret; generated when omitted."}},
 {"rsa_public_key": {"type": "string", "description": "PEM public key, for the RS, PS, ES and EdDSA algorithms."}},
 {"algorithm": {"type": "string", "default": "HS256", "one_of": ["` + strings.Join(jwtAlgorithms, `","`) + `"], "description": "Signing algorithm."}},
 ` + tagsField + `
]}`)

var basicAuthSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 ` + consumerRef + `,
 {"username": {"type": "string", "required": true, "description": "Unique username."}},
 {"password": {"type": "string", "required": true, "description": "The password; stored as a bcrypt hash."}},
 ` + tagsField + `
]}`)

var aclSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 ` + consumerRef + `,
 {"group": {"type": "string", "required": true, "description": "Group the consumer belongs to."}},
 ` + tagsField + `
]}`)

var hmacAuthSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 ` + consumerRef + `,
 {"username": {"type": "string", "required": true, "description": "Unique username."}},
 {"secret": {"type": "string", "auto": true, "description": "HMAC secret; generated when omitted."}},
 ` + tagsField + `
]}`)

// jwtSecretChecks: the RS, PS and EdDSA algorithms need a public key that parses, with
// Kong's conditional-check errors. Kong requires no key for ES256/384/512 (a token then
// fails with "Invalid key/secret"); a key given with them must parse here too, where
// Kong would store it and fail every request with a 500.
func jwtSecretChecks(e map[string]any) map[string]any {
	algo, _ := e["algorithm"].(string)
	if strings.HasPrefix(algo, "HS") {
		return nil
	}
	key, _ := e["rsa_public_key"].(string)
	msg := ""
	switch {
	case e["rsa_public_key"] == nil && strings.HasPrefix(algo, "ES"):
		return nil
	case e["rsa_public_key"] == nil:
		msg = "required field missing"
	default:
		if _, err := ParsePublicKey(key); err != nil {
			msg = "invalid key"
		}
	}
	if msg == "" {
		return nil
	}
	return map[string]any{"rsa_public_key": msg, "@entity": conditionalFailure("algorithm")}
}

// bcryptCost is the work factor of stored passwords: bcrypt's default, about 50 ms.
const bcryptCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash of a password. A value that already is a bcrypt
// hash is kept: it is what a stored credential, an export or a PATCH that leaves the
// password alone carries, and hashing it again would lock the consumer out.
func HashPassword(password string) (string, error) {
	if _, err := bcrypt.Cost([]byte(password)); err == nil {
		return password, nil
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches a stored credential's hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
