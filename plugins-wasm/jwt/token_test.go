package jwt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"reflect"
	"testing"
)

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func hs256(header, claims string, key []byte) string {
	signed := enc(header) + "." + enc(claims)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestDecodeToken(t *testing.T) {
	for _, tc := range []struct{ name, token, err string }{
		{"one part", "abc", "invalid JSON"},
		{"two parts", enc(`{"alg":"HS256"}`) + "." + enc(`{}`), "invalid JSON"},
		{"header not JSON", enc(`{`) + "." + enc(`{}`) + ".", "invalid JSON"},
		{"header not base64url", "**." + enc(`{}`) + ".", "invalid JSON"},
		{"no alg", enc(`{"typ":"JWT"}`) + "." + enc(`{}`) + ".", "invalid alg"},
		{"alg none", enc(`{"alg":"none"}`) + "." + enc(`{}`) + ".", "invalid alg"},
		{"alg not a string", enc(`{"alg":1}`) + "." + enc(`{}`) + ".", "invalid alg"},
		{"header an array", enc(`["HS256"]`) + "." + enc(`{}`) + ".", "invalid alg"},
		{"signature not base64url", enc(`{"alg":"HS256"}`) + "." + enc(`{}`) + ".a+b", "invalid signature"},
		{"fine, padded or not", enc(`{"alg":"HS256"}`) + "." + enc(`{"iss":"k"}`) + ".YQ==", ""},
		{"dots in the signature part", enc(`{"alg":"HS256"}`) + "." + enc(`{}`) + ".a.b", "invalid signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeToken(tc.token)
			if err != tc.err {
				t.Fatalf("decodeToken error %q, want %q", err, tc.err)
			}
		})
	}
}

func TestKeyClaim(t *testing.T) {
	tok, _ := decodeToken(enc(`{"alg":"HS256","kid":"from-header","iss":"h"}`) + "." + enc(`{"iss":"from-claims","f":false}`) + ".")
	for _, tc := range []struct {
		name    string
		want    any
		present bool
	}{{"iss", "from-claims", true}, {"kid", "from-header", true}, {"f", nil, false}, {"none", nil, false}} {
		v, ok := tok.keyClaim(tc.name)
		if v != tc.want || ok != tc.present {
			t.Errorf("keyClaim(%s) = %v, %v", tc.name, v, ok)
		}
	}
}

func TestVerifyHMAC(t *testing.T) {
	raw := hs256(`{"alg":"HS256"}`, `{"iss":"k"}`, []byte("secret"))
	tok, _ := decodeToken(raw)
	if ok, err := tok.verify([]byte("secret")); !ok || err != nil {
		t.Fatalf("right secret: %v %v", ok, err)
	}
	if ok, _ := tok.verify([]byte("other")); ok {
		t.Fatal("wrong secret accepted")
	}
	if _, err := (&token{alg: "RS256"}).verify([]byte("not a pem")); err != errUnexpected {
		t.Fatalf("unusable key: %v, want errUnexpected", err)
	}
}

func TestClaims(t *testing.T) {
	const now = 1000
	for _, tc := range []struct {
		claims string
		verify []string
		max    float64
		want   map[string]string
	}{
		{`{"exp":1001}`, []string{"exp"}, 0, nil},
		{`{"exp":1000}`, []string{"exp"}, 0, map[string]string{"exp": "token expired"}},
		{`{"exp":"1001"}`, []string{"exp"}, 0, map[string]string{"exp": "must be a number"}},
		{`{"nbf":1000}`, []string{"nbf"}, 0, nil},
		{`{"nbf":1001}`, []string{"nbf"}, 0, map[string]string{"nbf": "token not valid yet"}},
		{`{}`, []string{"exp", "nbf"}, 0, map[string]string{"exp": "must be a number", "nbf": "must be a number"}},
		{`{"exp":1}`, nil, 0, nil},
		{`{"exp":1060}`, []string{"exp"}, 60, nil},
		{`{"exp":1061}`, []string{"exp"}, 60, map[string]string{"exp": "exceeds maximum allowed expiration"}},
	} {
		tok, _ := decodeToken(enc(`{"alg":"HS256"}`) + "." + enc(tc.claims) + ".")
		got := tok.verifyClaims(tc.verify, now)
		if got == nil {
			got = tok.checkMaximumExpiration(tc.max, now)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %v max %v: %v, want %v", tc.claims, tc.verify, tc.max, got, tc.want)
		}
	}
}
