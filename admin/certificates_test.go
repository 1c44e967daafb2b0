package admin_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// selfSigned returns a PEM certificate and key; ca marks it as a CA.
func selfSigned(t *testing.T, rsaKey, ca bool, notAfter time.Time) (string, string) {
	t.Helper()
	var priv crypto.Signer
	var err error
	if rsaKey {
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "weir test"},
		NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: notAfter, BasicConstraintsValid: true, IsCA: ca,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCertificatesAndSNIs(t *testing.T) {
	e := newEnv(t)
	year := time.Now().Add(365 * 24 * time.Hour)
	cert, key := selfSigned(t, true, false, year)
	ecCert, ecKey := selfSigned(t, false, false, year)
	_, otherKey := selfSigned(t, true, false, year)

	c := e.want(e.json("POST", "/certificates", mustJSON(map[string]any{"cert": cert, "key": key, "snis": []string{"b.example", "a.example"}})), 201)
	jsonEq(t, c["snis"], `["a.example","b.example"]`)
	id := c["id"].(string)

	tests := []struct {
		name   string
		r      func() resp
		status int
		check  func(map[string]any) bool
	}{
		{"mismatched key", func() resp {
			return e.json("POST", "/certificates", mustJSON(map[string]any{"cert": cert, "key": otherKey}))
		}, 400,
			func(b map[string]any) bool {
				return mustJSON(b["fields"]) == `{"@entity":["certificate does not match key"]}`
			}},
		{"not pem", func() resp { return e.json("POST", "/certificates", `{"cert":"x","key":"y"}`) }, 400,
			func(b map[string]any) bool { return strings.Contains(b["message"].(string), "invalid certificate") }},
		{"alt of the same type", func() resp {
			return e.json("POST", "/certificates", mustJSON(map[string]any{"cert": cert, "key": key, "cert_alt": cert, "key_alt": key}))
		}, 400, func(b map[string]any) bool { return strings.Contains(mustJSON(b["fields"]), "different type") }},
		{"alt without key", func() resp {
			return e.json("POST", "/certificates", mustJSON(map[string]any{"cert": cert, "key": key, "cert_alt": ecCert}))
		}, 400, func(b map[string]any) bool { return mustJSON(b["fields"]) == `{"key_alt":"required field missing"}` }},
		{"rsa with ecdsa alt", func() resp {
			return e.json("POST", "/certificates", mustJSON(map[string]any{"cert": cert, "key": key, "cert_alt": ecCert, "key_alt": ecKey}))
		}, 201, func(b map[string]any) bool { return mustJSON(b["snis"]) == `[]` }},
		{"sni taken", func() resp {
			return e.json("POST", "/certificates", mustJSON(map[string]any{"cert": ecCert, "key": ecKey, "snis": []string{"a.example"}}))
		}, 400, func(b map[string]any) bool {
			return mustJSON(b["fields"]) == `{"snis":"a.example already associated with existing certificate '`+id+`'"}`
		}},
		{"bad sni leaves no certificate", func() resp { return e.do("GET", "/certificates", "", nil) }, 200,
			func(b map[string]any) bool { return len(b["data"].([]any)) == 2 }},
		{"certificate by sni", func() resp { return e.do("GET", "/certificates/b.example", "", nil) }, 200,
			func(b map[string]any) bool { return b["id"] == id }},
		{"sni by name", func() resp { return e.do("GET", "/snis/a.example", "", nil) }, 200,
			func(b map[string]any) bool { return b["certificate"].(map[string]any)["id"] == id }},
		{"sni's certificate", func() resp { return e.do("GET", "/snis/a.example/certificate", "", nil) }, 200,
			func(b map[string]any) bool { return b["id"] == id && len(b["snis"].([]any)) == 2 }},
		{"nested snis", func() resp { return e.do("GET", "/certificates/"+id+"/snis", "", nil) }, 200,
			func(b map[string]any) bool { return len(b["data"].([]any)) == 2 }},
		{"add sni nested (form)", func() resp { return e.form("POST", "/certificates/"+id+"/snis", "name=*.example.org") }, 201, nil},
		{"sni with port", func() resp { return e.form("POST", "/certificates/"+id+"/snis", "name=x.example:443") }, 400,
			func(b map[string]any) bool { return mustJSON(b["fields"]) == `{"name":"must not have a port"}` }},
		{"patch replaces snis", func() resp { return e.form("PATCH", "/certificates/"+id, "snis[]=c.example") }, 200,
			func(b map[string]any) bool { return mustJSON(b["snis"]) == `["c.example"]` }},
		{"old sni gone", func() resp { return e.do("GET", "/snis/a.example", "", nil) }, 404, nil},
		{"service needs https for a client certificate", func() resp {
			return e.json("POST", "/services", `{"name":"tls","url":"https://up.example","client_certificate":{"id":"`+id+`"}}`)
		}, 201, nil},
		{"certificate in use", func() resp { return e.do("DELETE", "/certificates/"+id, "", nil) }, 400,
			func(b map[string]any) bool { return b["name"] == "foreign key violation" }},
		{"delete cascades snis", func() resp {
			e.want(e.do("DELETE", "/services/tls", "", nil), 204)
			e.want(e.do("DELETE", "/certificates/"+id, "", nil), 204)
			return e.do("GET", "/snis", "", nil)
		}, 200, func(b map[string]any) bool { return len(b["data"].([]any)) == 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r()
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.check != nil && !tc.check(r.body) {
				t.Fatalf("unexpected body %s", r.raw)
			}
		})
	}
}

func TestCACertificates(t *testing.T) {
	e := newEnv(t)
	ca, _ := selfSigned(t, false, true, time.Now().Add(time.Hour))
	leaf, _ := selfSigned(t, false, false, time.Now().Add(time.Hour))
	expired, _ := selfSigned(t, false, true, time.Now().Add(-time.Hour))
	c := e.want(e.json("POST", "/ca_certificates", mustJSON(map[string]any{"cert": ca})), 201)
	if len(c["cert_digest"].(string)) != 64 {
		t.Fatalf("digest %v", c["cert_digest"])
	}
	tests := []struct {
		name, body string
		status     int
		field      string
	}{
		{"same cert twice", mustJSON(map[string]any{"cert": ca}), 409, ""},
		{"not a CA", mustJSON(map[string]any{"cert": leaf}), 400, `certificate does not appear to be a CA because it is missing the "CA" basic constraint`},
		{"expired", mustJSON(map[string]any{"cert": expired}), 400, `certificate expired, "Not After" time is in the past`},
		{"two certs", mustJSON(map[string]any{"cert": ca + leaf}), 400, "please submit only one certificate at a time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := e.want(e.json("POST", "/ca_certificates", tc.body), tc.status)
			if tc.field != "" && b["fields"].(map[string]any)["cert"] != tc.field {
				t.Fatalf("fields %v", b["fields"])
			}
		})
	}
}
