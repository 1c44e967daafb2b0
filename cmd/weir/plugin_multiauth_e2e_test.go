package main_test

import (
	"testing"
	"time"
)

// TestPluginMultiAuth checks how several auth plugins on one route combine, as in
// Kong: without `anonymous` each must pass (AND); with it, the first that succeeds
// wins and the others skip (OR), an anonymous consumer being the fallback.
func TestPluginMultiAuth(t *testing.T) {
	bin := buildWeir(t)
	echo := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	admin, proxy := "http://"+n.admin, "http://"+n.proxy

	expectStatus(t, "service", form(t, admin+"/services", "name=multi", "url=http://"+echo+"/"), 201)
	for _, c := range []string{"alice", "bob", "carol", "anon"} {
		expectStatus(t, "consumer "+c, form(t, admin+"/consumers", "username="+c), 201)
	}
	keyRes := form(t, admin+"/consumers/alice/key-auth", "key=alice-key")
	expectStatus(t, "alice's key", keyRes, 201)
	aliceKeyID, _ := keyRes.json(t)["id"].(string)
	expectStatus(t, "bob's password", form(t, admin+"/consumers/bob/basic-auth", "username=bob", "password=pw"), 201)
	expectStatus(t, "alice's password", form(t, admin+"/consumers/alice/basic-auth", "username=alice", "password=pw"), 201)
	hs := []byte("carol-secret")
	addJWT(t, admin, "carol", "carol-iss", "HS256", string(hs), "")
	carolJWT := signJWT(t, "HS256", hs, nil, map[string]any{"iss": "carol-iss"})

	addRoute(t, admin, "multi", "and", `{"name":"key-auth"}`)
	expectStatus(t, "basic-auth on and", postJSON(t, admin+"/routes/and/plugins", `{"name":"basic-auth"}`), 201)
	addRoute(t, admin, "multi", "or", `{"name":"key-auth","config":{"anonymous":"anon"}}`)
	for _, p := range []string{`{"name":"basic-auth","config":{"anonymous":"anon"}}`, `{"name":"jwt","config":{"anonymous":"anon"}}`} {
		expectStatus(t, "plugin on or", postJSON(t, admin+"/routes/or/plugins", p), 201)
	}

	type want struct {
		status                          int
		consumer, credential, anonymous string
	}
	for _, tc := range []struct {
		name, path string
		header     map[string]string
		want       want
	}{
		// AND: key-auth (1250) runs before basic-auth (1100); both must pass.
		{"and: both", "/and", map[string]string{"apikey": "alice-key", "Authorization": basicAuth("alice", "pw")}, want{200, "alice", "alice", ""}},
		{"and: key only", "/and", map[string]string{"apikey": "alice-key"}, want{401, "", "", ""}},
		{"and: password only", "/and", map[string]string{"Authorization": basicAuth("alice", "pw")}, want{401, "", "", ""}},
		// OR: jwt (1450), then key-auth, then basic-auth; the first success stands.
		{"or: nothing", "/or", nil, want{200, "anon", "", "true"}},
		{"or: key", "/or", map[string]string{"apikey": "alice-key"}, want{200, "alice", aliceKeyID, ""}},
		{"or: password", "/or", map[string]string{"Authorization": basicAuth("bob", "pw")}, want{200, "bob", "bob", ""}},
		{"or: jwt", "/or", map[string]string{"Authorization": "Bearer " + carolJWT}, want{200, "carol", "carol-iss", ""}},
		// Plugins after a success skip, so their failures do not fall back to anonymous.
		{"or: jwt, bad key", "/or", map[string]string{"Authorization": "Bearer " + carolJWT, "apikey": "wrong"}, want{200, "carol", "carol-iss", ""}},
		{"or: key, bad password", "/or", map[string]string{"apikey": "alice-key", "Proxy-Authorization": basicAuth("bob", "nope")}, want{200, "alice", aliceKeyID, ""}},
		// ...and later successes do not replace the first.
		{"or: key and password", "/or", map[string]string{"apikey": "alice-key", "Authorization": basicAuth("bob", "pw")}, want{200, "alice", aliceKeyID, ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, "GET", proxy+tc.path, nil, tc.header)
			expectStatus(t, tc.name, r, tc.want.status)
			if tc.want.status != 200 {
				return
			}
			saw := upstreamSaw(t, r).Headers
			expectValue(t, "X-Consumer-Username", saw["X-Consumer-Username"], tc.want.consumer)
			expectValue(t, "X-Credential-Identifier", saw["X-Credential-Identifier"], tc.want.credential)
			expectValue(t, "X-Anonymous-Consumer", saw["X-Anonymous-Consumer"], tc.want.anonymous)
		})
	}
	t.Run("and: failures name the plugin that refused", func(t *testing.T) {
		r := do(t, "GET", proxy+"/and", nil, map[string]string{"apikey": "alice-key"})
		expectValue(t, "WWW-Authenticate", r.header.Get("WWW-Authenticate"), `Basic realm="service"`)
		r = do(t, "GET", proxy+"/and", nil, map[string]string{"Authorization": basicAuth("alice", "pw")})
		expectValue(t, "WWW-Authenticate", r.header.Get("WWW-Authenticate"), "Key")
	})

	// A key-auth credential with a ttl stops working ttl seconds after it was created.
	t.Run("key ttl", func(t *testing.T) {
		// created_at counts whole seconds: start early in a second so the key surely
		// lives for most of one.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 50*time.Millisecond)))
		r := form(t, admin+"/consumers/bob/key-auth", "key=short-lived", "ttl=1")
		expectStatus(t, "key with ttl", r, 201)
		created, _ := r.json(t)["created_at"].(float64)
		expectStatus(t, "fresh key", do(t, "GET", proxy+"/or", nil, map[string]string{"apikey": "short-lived"}), 200)
		if u := upstreamSaw(t, do(t, "GET", proxy+"/or", nil, map[string]string{"apikey": "short-lived"})).Headers["X-Consumer-Username"]; u != "bob" {
			t.Fatalf("fresh key authenticated %q, want bob", u)
		}
		time.Sleep(time.Until(time.Unix(int64(created)+1, 0).Add(20 * time.Millisecond)))
		r = do(t, "GET", proxy+"/and", nil, map[string]string{"apikey": "short-lived", "Authorization": basicAuth("bob", "pw")})
		expectStatus(t, "expired key", r, 401)
		if m := r.json(t); m["message"] != "Unauthorized" {
			t.Fatalf("expired key body = %s", r.body)
		}
		saw := upstreamSaw(t, do(t, "GET", proxy+"/or", nil, map[string]string{"apikey": "short-lived"})).Headers
		expectValue(t, "consumer with an expired key", saw["X-Consumer-Username"], "anon")
		r = do(t, "GET", admin+"/key-auths/short-lived", nil, nil)
		expectStatus(t, "expired key in the Admin API", r, 200)
		if left := r.json(t)["ttl"]; left != float64(0) {
			t.Fatalf("expired key's ttl = %v, want 0", left)
		}
	})

	// The Admin API shows the seconds a key has left, as Kong does.
	t.Run("key ttl in the Admin API", func(t *testing.T) {
		expectStatus(t, "key with ttl", form(t, admin+"/consumers/bob/key-auth", "key=long-lived", "ttl=100"), 201)
		time.Sleep(1100 * time.Millisecond)
		for _, path := range []string{"/key-auths/long-lived", "/consumers/bob/key-auth/long-lived"} {
			r := do(t, "GET", admin+path, nil, nil)
			if left, _ := r.json(t)["ttl"].(float64); left < 97 || left > 99 {
				t.Fatalf("GET %s: ttl %v, want the 98 or so seconds left", path, r.json(t)["ttl"])
			}
		}
	})
}
