// Package jwt is Kong 3.9's jwt plugin as a weir proxy-wasm plugin: it finds a JSON Web
// Token in the request, finds the consumer's secret by the token's key claim, verifies
// the signature (HMAC, RSA, RSA-PSS, ECDSA, Ed25519) and the registered claims, and
// authenticates the consumer, or answers 401 (or falls back to the anonymous
// consumer).
package jwt

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is jwt's configuration (schema.json).
type config struct {
	URIParamNames     []string `json:"uri_param_names" default:"[\"jwt\"]"`
	CookieNames       []string `json:"cookie_names" default:"[]"`
	HeaderNames       []string `json:"header_names" default:"[\"authorization\"]"`
	KeyClaimName      string   `json:"key_claim_name" default:"iss"`
	SecretIsBase64    bool     `json:"secret_is_base64"`
	ClaimsToVerify    []string `json:"claims_to_verify"`
	Anonymous         string   `json:"anonymous"`
	RunOnPreflight    bool     `json:"run_on_preflight" default:"true"`
	MaximumExpiration float64  `json:"maximum_expiration"`
	Realm             string   `json:"realm"`
}

const msgUnexpected = "An unexpected error occurred"

// failure is a failed authentication: a 401 with Kong's body, or a 500.
type failure struct {
	status  int
	message string            // the body's message, or
	errors  map[string]string // a claim error object, Kong's body without a message
	bare    bool              // the WWW-Authenticate value without error="invalid_token"
}

func unauthorized(msg string) *failure { return &failure{status: 401, message: msg} }

func init() {
	weir.Register(weir.Plugin[config]{Name: "jwt", OnRequest: onRequest})
}

func onRequest(r *weir.Request, c *config) weir.Action {
	if !c.RunOnPreflight && r.Method() == "OPTIONS" {
		return weir.Continue
	}
	if c.Anonymous != "" {
		if weir.AuthenticatedWithCredential() {
			return weir.Continue // a logical OR with an auth plugin that already succeeded
		}
		if f := authenticate(r, c); f != nil {
			if f.status == 500 {
				return r.Error(500, msgUnexpected)
			}
			return anonymous(r, c)
		}
		return weir.Continue
	}
	f := authenticate(r, c)
	switch {
	case f == nil:
		return weir.Continue
	case f.status == 500:
		return r.Error(500, msgUnexpected)
	case f.errors != nil:
		return r.Exit(f.status, f.errors, challenge(c.Realm, f.bare))
	}
	return r.Exit(f.status, map[string]string{"message": f.message}, challenge(c.Realm, f.bare))
}

// challenge is the WWW-Authenticate header of a 401.
func challenge(realm string, bare bool) [2]string {
	v := "Bearer"
	if realm != "" {
		v = fmt.Sprintf(`Bearer realm="%s"`, realm)
	}
	if !bare {
		v += ` error="invalid_token"`
	}
	return [2]string{"www-authenticate", v}
}

// authenticate runs Kong's checks in its order and records the consumer; nil is
// success.
func authenticate(r *weir.Request, c *config) *failure {
	raw, n := findTokens(r, c)
	switch {
	case n == 0:
		f := unauthorized("Unauthorized")
		f.bare = true
		return f
	case n > 1:
		return unauthorized("Multiple tokens provided")
	case raw == "":
		return unauthorized("Unrecognizable token") // a bare ?jwt flag
	}
	t, bad := decodeToken(raw)
	if bad != "" {
		return unauthorized("Bad token; " + bad)
	}
	claim := c.KeyClaimName
	v, present := t.keyClaim(claim)
	if !present {
		return unauthorized(fmt.Sprintf("No mandatory '%s' in claims", claim))
	}
	if v == "" {
		return unauthorized(fmt.Sprintf("Invalid '%s' in claims", claim))
	}
	key, _ := v.(string)
	secret, consumer, f := lookup(key, claim)
	if f != nil {
		return f
	}
	if f := check(t, secret, c); f != nil {
		return f
	}
	if consumer == nil {
		return unauthorized(fmt.Sprintf("Could not find consumer for '%s=%s'", claim, key))
	}
	if err := weir.AuthenticateCredential(consumer.ID, secret.ID, secret.Key); err != nil {
		proxywasm.LogErrorf("jwt: authenticate: %v", err)
		return &failure{status: 500}
	}
	if err := weir.CtxSet("authenticated_jwt_token", []byte(raw)); err != nil {
		proxywasm.LogErrorf("jwt: store token in weir.ctx: %v", err)
	}
	return nil
}

// lookup finds the secret named by the key claim (a claim that is not a string names
// none).
func lookup(key, claim string) (*weir.JWTSecret, *weir.Consumer, *failure) {
	notFound := unauthorized(fmt.Sprintf("No credentials found for given '%s'", claim))
	if key == "" {
		return nil, nil, notFound
	}
	cred, consumer, err := weir.FindCredential("jwt_secrets", "key", key)
	if err != nil {
		proxywasm.LogErrorf("jwt: find credential: %v", err)
		return nil, nil, &failure{status: 500}
	}
	if cred == nil {
		return nil, nil, notFound
	}
	secret := new(weir.JWTSecret)
	if err := cred.Decode(secret); err != nil {
		proxywasm.LogErrorf("jwt: %v", err)
		return nil, nil, &failure{status: 500}
	}
	return secret, consumer, nil
}

// check verifies the algorithm, the signature, the registered claims and the maximum
// expiration, in Kong's order.
func check(t *token, s *weir.JWTSecret, c *config) *failure {
	algorithm := s.Algorithm
	if algorithm == "" {
		algorithm = "HS256"
	}
	if t.alg != algorithm {
		return unauthorized("Invalid algorithm")
	}
	var key []byte
	switch {
	case strings.HasPrefix(algorithm, "HS") && c.SecretIsBase64:
		key, _ = b64url(s.Secret) // undecodable: no secret
	case strings.HasPrefix(algorithm, "HS"):
		key = []byte(s.Secret)
	case s.RSAPublicKey != nil:
		key = []byte(*s.RSAPublicKey)
	}
	if key == nil {
		return unauthorized("Invalid key/secret")
	}
	ok, err := t.verify(key)
	if errors.Is(err, errUnexpected) {
		proxywasm.LogErrorf("jwt: verify %s signature for key %q: unusable key or signature length", t.alg, s.Key)
		return &failure{status: 500}
	}
	if !ok {
		return unauthorized("Invalid signature")
	}
	now := time.Now().Unix()
	if errs := t.verifyClaims(c.ClaimsToVerify, now); errs != nil {
		return &failure{status: 401, errors: errs}
	}
	if errs := t.checkMaximumExpiration(c.MaximumExpiration, now); errs != nil {
		return &failure{status: 401, errors: errs}
	}
	return nil
}

// bearer is Kong's pattern for a token in a header.
var bearer = regexp.MustCompile(`\s*[Bb]earer\s+(.+)`)

// findTokens collects the distinct tokens of the request, as Kong does: the query
// arguments, then the cookies, then the headers (their first value, `Bearer <token>`).
// raw is the token when n is 1; "" then means a bare flag argument (`?jwt`), which
// Kong counts as a token it cannot read.
func findTokens(r *weir.Request, c *config) (raw string, n int) {
	set := map[string]bool{}
	flag := false
	q := string(r.Query())
	for _, name := range c.URIParamNames {
		for _, part := range strings.Split(q, "&") {
			k, v, hasValue := strings.Cut(part, "=")
			if part == "" || unescape(k) != name {
				continue
			}
			if !hasValue {
				flag = true
			} else if v = unescape(v); v != "" {
				set[v] = true
			}
		}
	}
	for _, name := range c.CookieNames {
		if v := cookie(r.Headers(), name); v != "" {
			set[v] = true
		}
	}
	for _, name := range c.HeaderNames {
		h := weir.HeaderArg(r.Headers(), name)
		if h.Kind == weir.ArgList {
			h.Value = firstHeader(r.Headers(), name)
		}
		if m := bearer.FindStringSubmatch(h.Value); m != nil && m[1] != "" {
			set[m[1]] = true
		}
	}
	for t := range set {
		raw = t
	}
	n = len(set)
	if flag {
		n++
	}
	return raw, n
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func firstHeader(headers [][2]string, name string) string {
	want := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	for _, h := range headers {
		if strings.EqualFold(h[0], want) {
			return h[1]
		}
	}
	return ""
}

// cookie returns the value of the first cookie called name in the Cookie headers, as
// nginx's $cookie_<name> does.
func cookie(headers [][2]string, name string) string {
	for _, h := range headers {
		if !strings.EqualFold(h[0], "cookie") {
			continue
		}
		for _, pair := range strings.Split(h[1], ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok && k == name {
				return v
			}
		}
	}
	return ""
}

// anonymous maps a failed request to the configured anonymous consumer (Kong's logical
// OR between auth plugins); a missing consumer is a 500.
func anonymous(r *weir.Request, c *config) weir.Action {
	if err := weir.AuthenticateAnonymous(c.Anonymous); err != nil {
		proxywasm.LogErrorf("jwt: %v", err)
		return r.Error(500, msgUnexpected)
	}
	return weir.Continue
}
