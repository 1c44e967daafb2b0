package admin_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
)

// ecKeys returns a P-256 key as a PEM pair and as a JWK with kid.
func ecKeys(t *testing.T, kid string) (priv, pub, jwk string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	point, err := k.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	b, _ := json.Marshal(map[string]string{"kty": "EC", "crv": "P-256", "kid": kid, "x": enc(point[1:33]), "y": enc(point[33:])})
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})), string(b)
}

// TestKeysAndKeySets: Kong 3.9's keys (jwk or pem, kid matching the JWK's) in key
// sets, nested and top-level endpoints, and each check's error.
func TestKeysAndKeySets(t *testing.T) {
	e := newEnv(t)
	priv, pub, jwk := ecKeys(t, "k1")
	set := e.want(e.form("POST", "/key-sets", "name=jwks"), 201)
	body := func(v map[string]any) string { b, _ := json.Marshal(v); return string(b) }

	k1 := e.want(e.json("POST", "/key-sets/jwks/keys", body(map[string]any{"name": "k1", "kid": "k1", "jwk": jwk})), 201)
	if k1["set"].(map[string]any)["id"] != set["id"] || k1["pem"] != nil {
		t.Fatalf("key %v", k1)
	}
	k2 := e.want(e.json("POST", "/keys", body(map[string]any{"name": "k2", "kid": "k2", "set": map[string]any{"id": set["id"]},
		"pem": map[string]any{"private_key": priv, "public_key": pub}})), 201)
	if k2["set"].(map[string]any)["id"] != set["id"] {
		t.Fatalf("key in a set %v", k2)
	}
	e.want(e.json("POST", "/keys", body(map[string]any{"name": "free", "kid": "k1", "pem": map[string]any{"public_key": pub}})), 201)

	violation := func(msg string) func(map[string]any) bool {
		return func(b map[string]any) bool {
			return b["name"] == "schema violation" && strings.Contains(b["message"].(string), msg)
		}
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		check                    func(map[string]any) bool
	}{
		{"jwk and pem", "POST", "/keys", body(map[string]any{"kid": "k1", "jwk": jwk, "pem": map[string]any{"public_key": pub}}), 400,
			violation("only one or none of these fields must be set: 'jwk', 'pem'")},
		{"neither", "POST", "/keys", `{"kid":"x"}`, 400, violation("at least one of these fields must be non-empty: 'jwk', 'pem'")},
		{"kid differs", "POST", "/keys", body(map[string]any{"kid": "other", "jwk": jwk}), 400, violation("kid in jwk.kid must be equal to keys.kid")},
		{"jwk not json", "POST", "/keys", `{"kid":"x","jwk":"\"kid\":x"}`, 400, violation("could not json decode jwk string")},
		{"jwk off the curve", "POST", "/keys", `{"kid":"x","jwk":"{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"x\",\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}"}`, 400,
			violation("could not load JWK")},
		{"empty pem", "POST", "/keys", `{"kid":"x","pem":{}}`, 400, violation("need to supply a PEM formatted public and/or private key.")},
		{"bad public key", "POST", "/keys", `{"kid":"x","pem":{"public_key":"nope"}}`, 400,
			func(b map[string]any) bool {
				return b["fields"].(map[string]any)["pem"].(map[string]any)["public_key"] == "could not load public key"
			}},
		{"kid twice in a set", "POST", "/key-sets/jwks/keys", body(map[string]any{"kid": "k1", "jwk": jwk}), 409, nil},
		{"name twice", "POST", "/keys", body(map[string]any{"name": "k1", "kid": "k9", "pem": map[string]any{"public_key": pub}}), 409, nil},
		{"unknown set", "POST", "/keys", body(map[string]any{"kid": "k9", "set": map[string]any{"id": "6f1b5d7e-3c1a-4c2b-9d8e-1a2b3c4d5e6f"}, "jwk": strings.Replace(jwk, `"k1"`, `"k9"`, 1)}), 400, nil},
		{"nested list", "GET", "/key-sets/jwks/keys", "", 200, func(b map[string]any) bool { return len(b["data"].([]any)) == 2 }},
		{"all keys", "GET", "/keys", "", 200, func(b map[string]any) bool { return len(b["data"].([]any)) == 3 }},
		{"by name", "GET", "/keys/k2", "", 200, func(b map[string]any) bool { return b["id"] == k2["id"] }},
		{"key's set", "GET", "/keys/k1/set", "", 200, func(b map[string]any) bool { return b["id"] == set["id"] }},
		{"patch", "PATCH", "/key-sets/jwks", `{"name":"renamed"}`, 200, func(b map[string]any) bool { return b["name"] == "renamed" }},
		{"schema", "GET", "/schemas/keys", "", 200, nil},
		{"delete set", "DELETE", "/key-sets/renamed", "", 204, nil},
		{"keys went with it", "GET", "/keys", "", 200, func(b map[string]any) bool { return len(b["data"].([]any)) == 1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, "application/json", []byte(tc.body))
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.check != nil && !tc.check(r.body) {
				t.Fatalf("unexpected body %s", r.raw)
			}
		})
	}
}

// TestVaults: Kong's vaults entity with the bundled env backend.
func TestVaults(t *testing.T) {
	e := newEnv(t)
	v := e.want(e.form("POST", "/vaults", "prefix=my-env", "name=env", "description=secrets", "config.prefix=SECRET_"), 201)
	jsonEq(t, v["config"], `{"base64_decode":false,"neg_ttl":null,"prefix":"SECRET_","resurrect_ttl":null,"ttl":null}`)
	tests := []struct {
		name, method, path, body string
		status                   int
		field, msg               string
	}{
		{"unknown backend", "POST", "/vaults", "prefix=aws1&name=aws", 400, "name", "vault 'aws' is not installed"},
		{"bad prefix", "POST", "/vaults", "prefix=My_Env&name=env", 400, "prefix", "invalid value: My_Env"},
		{"backend's own name", "POST", "/vaults", "prefix=env&name=env", 400, "prefix", "must not be one of: env"},
		{"prefix twice", "POST", "/vaults", "prefix=my-env&name=env", 409, "", ""},
		{"by prefix", "GET", "/vaults/my-env", "", 200, "", ""},
		{"patch", "PATCH", "/vaults/my-env", "config.base64_decode=true", 200, "", ""},
		{"put by prefix", "PUT", "/vaults/other-env", "name=env", 200, "", ""},
		{"delete", "DELETE", "/vaults/my-env", "", 204, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.form(tc.method, tc.path, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.field != "" && r.body["fields"].(map[string]any)[tc.field] != tc.msg {
				t.Fatalf("fields %v, want %s: %s", r.body["fields"], tc.field, tc.msg)
			}
		})
	}
	if d := e.want(e.do("GET", "/vaults", "", nil), 200)["data"].([]any); len(d) != 1 || d[0].(map[string]any)["prefix"] != "other-env" {
		t.Fatalf("vaults %v", d)
	}
}
