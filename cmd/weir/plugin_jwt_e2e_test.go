package main_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"hash"
	"reflect"
	"strings"
	"testing"
	"time"
)

// b64url is JWT's unpadded base64url.
func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signJWT makes a JWS compact token: header (alg and typ unless given) and claims as
// JSON, signed with key (an HMAC secret []byte, *rsa.PrivateKey, *ecdsa.PrivateKey or
// ed25519.PrivateKey) by alg.
func signJWT(t *testing.T, alg string, key any, header, claims map[string]any) string {
	t.Helper()
	if header == nil {
		header = map[string]any{"typ": "JWT", "alg": alg}
	}
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	signed := b64url(h) + "." + b64url(c)
	return signed + "." + b64url(jwsSign(t, alg, key, []byte(signed)))
}

func jwsSign(t *testing.T, alg string, key any, data []byte) []byte {
	t.Helper()
	hashes := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}
	hf := map[crypto.Hash]func() hash.Hash{crypto.SHA256: sha256.New, crypto.SHA384: sha512.New384, crypto.SHA512: sha512.New}
	if alg == "EdDSA" {
		return ed25519.Sign(key.(ed25519.PrivateKey), data)
	}
	h := hashes[alg[2:]]
	if strings.HasPrefix(alg, "HS") {
		m := hmac.New(hf[h], key.([]byte))
		m.Write(data)
		return m.Sum(nil)
	}
	d := hf[h]()
	d.Write(data)
	digest := d.Sum(nil)
	var sig []byte
	var err error
	switch alg[:2] {
	case "RS":
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), h, digest)
	case "PS":
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES":
		k := key.(*ecdsa.PrivateKey)
		r, s, e := ecdsa.Sign(rand.Reader, k, digest)
		size := (k.Curve.Params().BitSize + 7) / 8
		sig = append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
		err = e
	}
	if err != nil {
		t.Fatalf("sign %s: %v", alg, err)
	}
	return sig
}

func publicPEM(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// testKeys are the asymmetric keys of the JWT tests, generated per run.
type testKeys struct {
	rsa  *rsa.PrivateKey
	p256 *ecdsa.PrivateKey
	p384 *ecdsa.PrivateKey
	ed   ed25519.PrivateKey
}

func newTestKeys(t *testing.T) testKeys {
	t.Helper()
	var k testKeys
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if k.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if k.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		t.Fatal(err)
	}
	return k
}

// signer is the private key signing alg, and the PEM public key a credential needs.
func (k testKeys) signer(t *testing.T, alg string) (priv any, pub string) {
	switch {
	case strings.HasPrefix(alg, "RS"), strings.HasPrefix(alg, "PS"):
		return k.rsa, publicPEM(t, &k.rsa.PublicKey)
	case alg == "ES256":
		return k.p256, publicPEM(t, &k.p256.PublicKey)
	case alg == "ES384":
		return k.p384, publicPEM(t, &k.p384.PublicKey)
	case alg == "EdDSA":
		return k.ed, publicPEM(t, k.ed.Public())
	}
	return []byte("secret-" + alg), ""
}

// addJWT gives consumer a JWT credential and returns its key.
func addJWT(t *testing.T, admin, consumer, key, alg, secret, pub string) {
	t.Helper()
	body := map[string]any{"key": key, "algorithm": alg}
	if secret != "" {
		body["secret"] = secret
	}
	if pub != "" {
		body["rsa_public_key"] = pub
	}
	b, _ := json.Marshal(body)
	expectStatus(t, "create jwt credential "+key, postJSON(t, admin+"/consumers/"+consumer+"/jwt", string(b)), 201)
}

// expectJSONBody compares a JSON body with want exactly.
func expectJSONBody(t *testing.T, what string, r *response, want string) {
	t.Helper()
	var got, exp any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("%s: body is not JSON: %s", what, r.body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("%s: bad want %s", what, want)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("%s: body %s, want %s", what, r.body, want)
	}
}

// expectValue compares a header value (or any string) with want.
func expectValue(t *testing.T, what string, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// addRoute creates a route at /name on service svc with one plugin configured by JSON.
func addRoute(t *testing.T, admin, svc, name, plugin string) {
	t.Helper()
	expectStatus(t, "route "+name, form(t, admin+"/services/"+svc+"/routes", "name="+name, "paths[]=/"+name), 201)
	if plugin != "" {
		expectStatus(t, "plugin on "+name, postJSON(t, admin+"/routes/"+name+"/plugins", plugin), 201)
	}
}

func TestPluginJWT(t *testing.T) {
	bin := buildWeir(t)
	echo := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	keys := newTestKeys(t)

	expectStatus(t, "service", form(t, admin+"/services", "name=jwt-svc", "url=http://"+echo+"/"), 201)
	addRoute(t, admin, "jwt-svc", "jwt", `{"name":"jwt","config":{"cookie_names":["jwt_cookie"]}}`)
	addRoute(t, admin, "jwt-svc", "jwt-claims",
		`{"name":"jwt","config":{"claims_to_verify":["exp","nbf"],"maximum_expiration":3600,"realm":"kong"}}`)
	addRoute(t, admin, "jwt-svc", "jwt-b64",
		`{"name":"jwt","config":{"secret_is_base64":true,"key_claim_name":"kid","uri_param_names":["token"],"header_names":["x-jwt"]}}`)
	addRoute(t, admin, "jwt-svc", "jwt-anon", `{"name":"jwt","config":{"anonymous":"anon","run_on_preflight":false}}`)
	expectStatus(t, "alice", form(t, admin+"/consumers", "username=alice"), 201)
	expectStatus(t, "anon", form(t, admin+"/consumers", "username=anon"), 201)

	hsKey := []byte("secret-HS256")
	addJWT(t, admin, "alice", "alice-HS256", "HS256", string(hsKey), "")
	good := func(claims map[string]any) string {
		if claims == nil {
			claims = map[string]any{"iss": "alice-HS256"}
		}
		return signJWT(t, "HS256", hsKey, nil, claims)
	}
	authenticated := func(t *testing.T, r *response, credential string) {
		t.Helper()
		expectStatus(t, "authenticated", r, 200)
		saw := upstreamSaw(t, r).Headers
		expectValue(t, "X-Consumer-Username", saw["X-Consumer-Username"], "alice")
		expectValue(t, "X-Credential-Identifier", saw["X-Credential-Identifier"], credential)
		expectValue(t, "X-Anonymous-Consumer", saw["X-Anonymous-Consumer"], "")
	}

	t.Run("algorithms", func(t *testing.T) {
		for _, alg := range []string{"HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384",
			"PS256", "PS384", "PS512", "EdDSA"} {
			t.Run(alg, func(t *testing.T) {
				priv, pub := keys.signer(t, alg)
				key := "alice-" + alg
				secret := ""
				if b, ok := priv.([]byte); ok {
					secret = string(b)
				}
				addJWT(t, admin, "alice", key, alg, secret, pub)
				tok := signJWT(t, alg, priv, nil, map[string]any{"iss": key})
				authenticated(t, do(t, "GET", proxy+"/jwt", nil, bearer(tok)), key)

				// The same signature over other claims.
				parts := strings.Split(tok, ".")
				forged := parts[0] + "." + b64url([]byte(`{"iss":"`+key+`","admin":true}`)) + "." + parts[2]
				r := do(t, "GET", proxy+"/jwt", nil, bearer(forged))
				expectStatus(t, "forged", r, 401)
				expectJSONBody(t, "forged", r, `{"message":"Invalid signature"}`)
				expectValue(t, "WWW-Authenticate", r.header.Get("WWW-Authenticate"), `Bearer error="invalid_token"`)

				// A token whose alg is not the credential's.
				other := signJWT(t, "HS256", []byte("x"), nil, map[string]any{"iss": key})
				if alg == "HS384" || alg == "HS512" {
					other = signJWT(t, "HS256", priv, nil, map[string]any{"iss": key})
				}
				r = do(t, "GET", proxy+"/jwt", nil, bearer(other))
				expectStatus(t, "other alg", r, 401)
				expectJSONBody(t, "other alg", r, `{"message":"Invalid algorithm"}`)
			})
		}
	})

	t.Run("where the token is", func(t *testing.T) {
		tok := good(nil)
		authenticated(t, do(t, "GET", proxy+"/jwt?jwt="+tok, nil, nil), "alice-HS256")
		authenticated(t, do(t, "GET", proxy+"/jwt", nil, map[string]string{"Cookie": "a=b; jwt_cookie=" + tok}), "alice-HS256")
		authenticated(t, do(t, "GET", proxy+"/jwt", nil, map[string]string{"Authorization": "bearer " + tok}), "alice-HS256")
		// The same token twice is one token.
		authenticated(t, do(t, "GET", proxy+"/jwt?jwt="+tok, nil, bearer(tok)), "alice-HS256")
		// Other places and names are not looked at.
		r := do(t, "GET", proxy+"/jwt?token="+tok, nil, map[string]string{"X-Jwt": "Bearer " + tok})
		expectStatus(t, "unconfigured places", r, 401)
		// The configured ones on another route.
		b64Secret := []byte{0xfa, 0xfb, 0x00, 0x01, 'k'}
		addJWT(t, admin, "alice", "b64-key", "HS256", base64.RawURLEncoding.EncodeToString(b64Secret), "")
		b64Tok := signJWT(t, "HS256", b64Secret, map[string]any{"alg": "HS256", "kid": "b64-key"}, map[string]any{"sub": "x"})
		authenticated(t, do(t, "GET", proxy+"/jwt-b64?token="+b64Tok, nil, nil), "b64-key")
		authenticated(t, do(t, "GET", proxy+"/jwt-b64", nil, map[string]string{"X-Jwt": "Bearer " + b64Tok}), "b64-key")
		// Signed with the encoded text instead of the bytes it stands for.
		wrong := signJWT(t, "HS256", []byte(base64.RawURLEncoding.EncodeToString(b64Secret)),
			map[string]any{"alg": "HS256", "kid": "b64-key"}, map[string]any{})
		expectJSONBody(t, "base64 secret used as text", do(t, "GET", proxy+"/jwt-b64?token="+wrong, nil, nil), `{"message":"Invalid signature"}`)
	})

	t.Run("errors", func(t *testing.T) {
		noneAlg := b64url([]byte(`{"alg":"none"}`)) + "." + b64url([]byte(`{"iss":"alice-HS256"}`)) + "."
		for _, tc := range []struct {
			name, query string
			header      map[string]string
			status      int
			body, auth  string
		}{
			{"no token", "", nil, 401, `{"message":"Unauthorized"}`, "Bearer"},
			{"not bearer", "", map[string]string{"Authorization": "Basic " + good(nil)}, 401, `{"message":"Unauthorized"}`, "Bearer"},
			{"two tokens", "?jwt=" + good(map[string]any{"iss": "alice-HS256", "n": 1}), bearer(good(nil)), 401,
				`{"message":"Multiple tokens provided"}`, `Bearer error="invalid_token"`},
			{"garbage", "", bearer("abc"), 401, `{"message":"Bad token; invalid JSON"}`, `Bearer error="invalid_token"`},
			{"unknown alg", "", bearer(noneAlg), 401, `{"message":"Bad token; invalid alg"}`, `Bearer error="invalid_token"`},
			{"no iss", "", bearer(good(map[string]any{"sub": "x"})), 401, `{"message":"No mandatory 'iss' in claims"}`, `Bearer error="invalid_token"`},
			{"empty iss", "", bearer(good(map[string]any{"iss": ""})), 401, `{"message":"Invalid 'iss' in claims"}`, `Bearer error="invalid_token"`},
			{"unknown iss", "", bearer(good(map[string]any{"iss": "nobody"})), 401,
				`{"message":"No credentials found for given 'iss'"}`, `Bearer error="invalid_token"`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := do(t, "GET", proxy+"/jwt"+tc.query, nil, tc.header)
				expectStatus(t, tc.name, r, tc.status)
				expectJSONBody(t, tc.name, r, tc.body)
				expectValue(t, "WWW-Authenticate", r.header.Get("WWW-Authenticate"), tc.auth)
			})
		}
	})

	t.Run("claims", func(t *testing.T) {
		now := time.Now().Unix()
		for _, tc := range []struct {
			name   string
			claims map[string]any
			body   string
		}{
			{"expired", map[string]any{"exp": now - 10, "nbf": now - 20}, `{"exp":"token expired"}`},
			{"not yet", map[string]any{"exp": now + 60, "nbf": now + 30}, `{"nbf":"token not valid yet"}`},
			{"both", map[string]any{"exp": now - 10, "nbf": now + 30}, `{"exp":"token expired","nbf":"token not valid yet"}`},
			{"no exp", map[string]any{"nbf": now - 20}, `{"exp":"must be a number"}`},
			{"too far", map[string]any{"exp": now + 7200, "nbf": now - 20}, `{"exp":"exceeds maximum allowed expiration"}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.claims["iss"] = "alice-HS256"
				r := do(t, "GET", proxy+"/jwt-claims", nil, bearer(good(tc.claims)))
				expectStatus(t, tc.name, r, 401)
				expectJSONBody(t, tc.name, r, tc.body)
				expectValue(t, "WWW-Authenticate", r.header.Get("WWW-Authenticate"), `Bearer realm="kong" error="invalid_token"`)
			})
		}
		authenticated(t, do(t, "GET", proxy+"/jwt-claims", nil,
			bearer(good(map[string]any{"iss": "alice-HS256", "exp": now + 60, "nbf": now - 1}))), "alice-HS256")
		r := do(t, "GET", proxy+"/jwt-claims", nil, nil)
		expectValue(t, "WWW-Authenticate", r.header.Get("WWW-Authenticate"), `Bearer realm="kong"`)
		// Without claims_to_verify, an expired token is fine.
		authenticated(t, do(t, "GET", proxy+"/jwt", nil,
			bearer(good(map[string]any{"iss": "alice-HS256", "exp": now - 100}))), "alice-HS256")
	})

	t.Run("anonymous and preflight", func(t *testing.T) {
		for _, h := range []map[string]string{nil, bearer("abc"), bearer(good(map[string]any{"iss": "nobody"}))} {
			r := do(t, "GET", proxy+"/jwt-anon", nil, h)
			expectStatus(t, "anonymous", r, 200)
			saw := upstreamSaw(t, r).Headers
			expectValue(t, "X-Consumer-Username", saw["X-Consumer-Username"], "anon")
			expectValue(t, "X-Anonymous-Consumer", saw["X-Anonymous-Consumer"], "true")
			expectValue(t, "X-Credential-Identifier", saw["X-Credential-Identifier"], "")
		}
		authenticated(t, do(t, "GET", proxy+"/jwt-anon", nil, bearer(good(nil))), "alice-HS256")
		r := do(t, "OPTIONS", proxy+"/jwt-anon", nil, nil)
		expectStatus(t, "preflight", r, 200)
		expectValue(t, "consumer on preflight", upstreamSaw(t, r).Headers["X-Consumer-Username"], "")
		// run_on_preflight defaults to true.
		expectStatus(t, "preflight authenticated", do(t, "OPTIONS", proxy+"/jwt", nil, nil), 401)
	})

	t.Run("unusable keys", func(t *testing.T) {
		// ES256 needs no key in Kong; a token for it then has nothing to verify with.
		addJWT(t, admin, "alice", "es-nokey", "ES256", "", "")
		tok := signJWT(t, "ES256", keys.p256, nil, map[string]any{"iss": "es-nokey"})
		r := do(t, "GET", proxy+"/jwt", nil, bearer(tok))
		expectStatus(t, "no key", r, 401)
		expectJSONBody(t, "no key", r, `{"message":"Invalid key/secret"}`)
		// An ECDSA signature of the wrong length is an error in Kong (a 500).
		parts := strings.Split(signJWT(t, "ES256", keys.p256, nil, map[string]any{"iss": "alice-ES256"}), ".")
		r = do(t, "GET", proxy+"/jwt", nil, bearer(parts[0]+"."+parts[1]+"."+b64url([]byte("short"))))
		expectStatus(t, "short ECDSA signature", r, 500)
		if m := r.json(t); m["message"] != "An unexpected error occurred" {
			t.Fatalf("500 body = %s", r.body)
		}
	})

	t.Run("admin validation", func(t *testing.T) {
		r := postJSON(t, admin+"/consumers/alice/jwt", `{"algorithm":"RS256"}`)
		expectStatus(t, "RS256 without key", r, 400)
		expectJSONBody(t, "RS256 without key", &response{body: mustJSON(t, r.json(t)["fields"])},
			`{"rsa_public_key":"required field missing","@entity":["failed conditional validation given value of field 'algorithm'"]}`)
		r = postJSON(t, admin+"/consumers/alice/jwt", `{"algorithm":"EdDSA","rsa_public_key":"test"}`)
		expectStatus(t, "bad key", r, 400)
		expectJSONBody(t, "bad key", &response{body: mustJSON(t, r.json(t)["fields"])},
			`{"rsa_public_key":"invalid key","@entity":["failed conditional validation given value of field 'algorithm'"]}`)

		r = postJSON(t, admin+"/plugins", `{"name":"jwt","config":{"maximum_expiration":60,"claims_to_verify":["nbf"]}}`)
		expectStatus(t, "maximum_expiration without exp", r, 400)
		expectJSONBody(t, "maximum_expiration without exp", &response{body: mustJSON(t, r.json(t)["fields"])},
			`{"config":{"claims_to_verify":"expected to contain: exp"},"@entity":["failed conditional validation given value of field 'config.maximum_expiration'"]}`)
		r = postJSON(t, admin+"/plugins", `{"name":"jwt","config":{"maximum_expiration":-1,"claims_to_verify":["exp"]}}`)
		expectStatus(t, "negative maximum_expiration", r, 400)
		expectStatus(t, "claims to verify", postJSON(t, admin+"/plugins", `{"name":"jwt","config":{"claims_to_verify":["iat"]}}`), 400)
		r = postJSON(t, admin+"/routes/jwt/plugins", `{"name":"jwt","config":{"maximum_expiration":60,"claims_to_verify":["exp"]}}`)
		expectStatus(t, "valid maximum_expiration (the route already has jwt)", r, 409)
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(fmt.Sprint(err))
	}
	return b
}
