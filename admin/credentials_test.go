package admin_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/store"
)

func ecPublicKeyPEM(t *testing.T) string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// TestCredentials runs the curl lines of Kong's jwt, basic-auth, acl and hmac-auth
// plugin docs, then the errors and lookups each credential has.
func TestCredentials(t *testing.T) {
	e := newEnv(t)
	alice := e.want(e.form("POST", "/consumers", "username=alice"), 201)
	e.want(e.form("POST", "/consumers", "username=bob"), 201)
	aliceRef := `{"id":"` + alice["id"].(string) + `"}`

	ba := e.want(e.form("POST", "/consumers/alice/basic-auth", "username=Aladdin", "password=OpenSesame"), 201)
	if ba["password"] == "OpenSesame" || !store.CheckPassword(ba["password"].(string), "OpenSesame") {
		t.Fatalf("basic-auth password not stored as its hash: %v", ba["password"])
	}
	jwt := e.want(e.form("POST", "/consumers/alice/jwt"), 201)
	hmac := e.want(e.form("POST", "/consumers/alice/hmac-auth", "username=bob-hmac", "secret=secret456"), 201)
	acl := e.want(e.form("POST", "/consumers/alice/acls", "group=group1", "tags[]=tag1"), 201)

	tests := []struct {
		name   string
		r      func() resp
		status int
		check  func(map[string]any) bool
	}{
		{"jwt generated", func() resp { return e.do("GET", "/jwts/"+jwt["key"].(string), "", nil) }, 200,
			func(b map[string]any) bool {
				return len(b["secret"].(string)) == 32 && b["algorithm"] == "HS256" && b["rsa_public_key"] == nil
			}},
		{"jwt owner", func() resp { return e.do("GET", "/jwts/"+jwt["key"].(string)+"/consumer", "", nil) }, 200,
			func(b map[string]any) bool { return b["username"] == "alice" }},
		{"jwt RS256 needs a key", func() resp { return e.form("POST", "/consumers/alice/jwt", "algorithm=RS256") }, 400,
			func(b map[string]any) bool {
				return b["fields"].(map[string]any)["rsa_public_key"] == "required field missing"
			}},
		{"jwt bad key", func() resp { return e.form("POST", "/consumers/alice/jwt", "algorithm=ES256", "rsa_public_key=nope") }, 400,
			func(b map[string]any) bool {
				return strings.HasPrefix(b["fields"].(map[string]any)["rsa_public_key"].(string), "invalid key")
			}},
		{"jwt ES256", func() resp {
			body, _ := json.Marshal(map[string]any{"algorithm": "ES256", "rsa_public_key": ecPublicKeyPEM(t), "key": "iss-1"})
			return e.json("POST", "/consumers/alice/jwt", string(body))
		}, 201, func(b map[string]any) bool { return b["key"] == "iss-1" }},
		{"jwt duplicate key", func() resp { return e.form("POST", "/consumers/bob/jwt", "key=iss-1") }, 409, nil},
		{"basic-auth by username", func() resp { return e.do("GET", "/consumers/alice/basic-auth/Aladdin", "", nil) }, 200,
			func(b map[string]any) bool { return b["password"] == ba["password"] }},
		{"basic-auth patch keeps password", func() resp { return e.form("PATCH", "/basic-auths/Aladdin", "tags[]=x") }, 200,
			func(b map[string]any) bool { return store.CheckPassword(b["password"].(string), "OpenSesame") }},
		{"basic-auth patch password", func() resp { return e.form("PATCH", "/basic-auths/Aladdin", "password=new") }, 200,
			func(b map[string]any) bool {
				p := b["password"].(string)
				return store.CheckPassword(p, "new") && !store.CheckPassword(p, "OpenSesame")
			}},
		{"basic-auth needs password", func() resp { return e.form("POST", "/consumers/bob/basic-auth", "username=u2") }, 400,
			func(b map[string]any) bool {
				return b["fields"].(map[string]any)["password"] == "required field missing"
			}},
		{"basic-auth duplicate", func() resp { return e.form("POST", "/consumers/bob/basic-auth", "username=Aladdin", "password=p") }, 409, nil},
		{"hmac", func() resp { return e.do("GET", "/hmac-auths/bob-hmac", "", nil) }, 200,
			func(b map[string]any) bool { return b["secret"] == "secret456" && b["id"] == hmac["id"] }},
		{"hmac generated secret", func() resp { return e.form("POST", "/consumers/bob/hmac-auth", "username=b2") }, 201,
			func(b map[string]any) bool { return len(b["secret"].(string)) == 32 }},
		{"acl by group", func() resp { return e.do("GET", "/consumers/alice/acls/group1", "", nil) }, 200,
			func(b map[string]any) bool { return b["id"] == acl["id"] && b["tags"].([]any)[0] == "tag1" }},
		{"acl twice", func() resp { return e.form("POST", "/consumers/alice/acls", "group=group1") }, 409,
			func(b map[string]any) bool {
				g, _ := json.Marshal(b["fields"])
				return string(g) == `{"consumer":`+aliceRef+`,"group":"group1"}`
			}},
		{"acl same group other consumer", func() resp { return e.form("POST", "/consumers/bob/acls", "group=group1") }, 201, nil},
		{"acls of alice", func() resp { return e.do("GET", "/consumers/alice/acls", "", nil) }, 200,
			func(b map[string]any) bool { return len(b["data"].([]any)) == 1 }},
		{"all acls", func() resp { return e.do("GET", "/acls", "", nil) }, 200,
			func(b map[string]any) bool { return len(b["data"].([]any)) == 2 }},
		{"acl owner", func() resp { return e.do("GET", "/acls/"+acl["id"].(string)+"/consumer", "", nil) }, 200,
			func(b map[string]any) bool { return b["username"] == "alice" }},
		{"tags index", func() resp { return e.do("GET", "/tags/tag1", "", nil) }, 200,
			func(b map[string]any) bool { return len(b["data"].([]any)) == 1 }},
		{"acl delete by group", func() resp { return e.do("DELETE", "/consumers/bob/acls/group1", "", nil) }, 204, nil},
		{"consumer delete cascades", func() resp { return e.do("DELETE", "/consumers/alice", "", nil) }, 204, nil},
		{"basic-auth gone", func() resp { return e.do("GET", "/basic-auths/Aladdin", "", nil) }, 404, nil},
		{"jwts gone", func() resp { return e.do("GET", "/jwts", "", nil) }, 200,
			func(b map[string]any) bool { return len(b["data"].([]any)) == 0 }},
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
