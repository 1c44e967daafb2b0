package main_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestPluginBasicAuth(t *testing.T) {
	bin := buildWeir(t)
	echo := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	admin, proxy := "http://"+n.admin, "http://"+n.proxy

	expectStatus(t, "service", form(t, admin+"/services", "name=basic-svc", "url=http://"+echo+"/"), 201)
	addRoute(t, admin, "basic-svc", "basic", `{"name":"basic-auth"}`)
	addRoute(t, admin, "basic-svc", "basic-hide", `{"name":"basic-auth","config":{"hide_credentials":true,"realm":"kong"}}`)
	addRoute(t, admin, "basic-svc", "basic-anon", `{"name":"basic-auth","config":{"anonymous":"anon"}}`)
	expectStatus(t, "bob", form(t, admin+"/consumers", "username=bob"), 201)
	expectStatus(t, "anon", form(t, admin+"/consumers", "username=anon"), 201)
	const pass = "open:sesame" // a colon in a password belongs to it
	cr := form(t, admin+"/consumers/bob/basic-auth", "username=bob-user", "password="+pass)
	expectStatus(t, "credential", cr, 201)
	if stored, _ := cr.json(t)["password"].(string); stored == pass || stored == "" {
		t.Fatalf("the Admin API stored the password as given: %q", stored)
	}

	asBob := func(t *testing.T, r *response) map[string]string {
		t.Helper()
		expectStatus(t, "authenticated", r, 200)
		saw := upstreamSaw(t, r).Headers
		expectValue(t, "X-Consumer-Username", saw["X-Consumer-Username"], "bob")
		expectValue(t, "X-Credential-Identifier", saw["X-Credential-Identifier"], "bob-user")
		expectValue(t, "X-Anonymous-Consumer", saw["X-Anonymous-Consumer"], "")
		return saw
	}

	t.Run("accepted", func(t *testing.T) {
		saw := asBob(t, do(t, "GET", proxy+"/basic", nil, map[string]string{"Authorization": basicAuth("bob-user", pass)}))
		expectValue(t, "Authorization upstream", saw["Authorization"], basicAuth("bob-user", pass))
		asBob(t, do(t, "GET", proxy+"/basic", nil, map[string]string{"Proxy-Authorization": basicAuth("bob-user", pass)}))
		// Lower-case scheme; no padding.
		raw := base64.RawStdEncoding.EncodeToString([]byte("bob-user:" + pass))
		asBob(t, do(t, "GET", proxy+"/basic", nil, map[string]string{"Authorization": "basic " + raw}))
		// Proxy-Authorization naming nobody: Authorization is tried next.
		asBob(t, do(t, "GET", proxy+"/basic", nil, map[string]string{
			"Proxy-Authorization": basicAuth("nobody", "x"), "Authorization": basicAuth("bob-user", pass)}))
		// The same credentials again (served by the gateway's cache of checked passwords).
		for i := 0; i < 3; i++ {
			asBob(t, do(t, "GET", proxy+"/basic", nil, map[string]string{"Authorization": basicAuth("bob-user", pass)}))
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			header map[string]string
		}{
			{"no header", nil},
			{"wrong password", map[string]string{"Authorization": basicAuth("bob-user", "open")}},
			{"unknown user", map[string]string{"Authorization": basicAuth("alice", pass)}},
			{"not base64", map[string]string{"Authorization": "Basic !!!"}},
			{"no colon", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("bob-user"))}},
			{"other scheme", map[string]string{"Authorization": "Bearer abc"}},
			{"known user in Proxy-Authorization, wrong password", map[string]string{
				"Proxy-Authorization": basicAuth("bob-user", "bad"), "Authorization": basicAuth("bob-user", pass)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := do(t, "GET", proxy+"/basic", nil, tc.header)
				expectStatus(t, tc.name, r, 401)
				m := r.json(t)
				if m["message"] != "Unauthorized" || m["request_id"] != r.header.Get("X-Kong-Request-Id") || len(m) != 2 {
					t.Fatalf("401 body = %s", r.body)
				}
				expectValue(t, "WWW-Authenticate", r.header.Get("WWW-Authenticate"), `Basic realm="service"`)
			})
		}
	})

	t.Run("hide credentials and realm", func(t *testing.T) {
		r := do(t, "GET", proxy+"/basic-hide", nil, map[string]string{"Authorization": basicAuth("bob-user", pass), "Proxy-Authorization": "Basic x"})
		saw := asBob(t, r)
		expectValue(t, "Authorization upstream", saw["Authorization"], "")
		expectValue(t, "Proxy-Authorization upstream", saw["Proxy-Authorization"], "")
		r = do(t, "GET", proxy+"/basic-hide", nil, nil)
		expectStatus(t, "no credentials", r, 401)
		expectValue(t, "WWW-Authenticate", r.header.Get("WWW-Authenticate"), `Basic realm="kong"`)
	})

	t.Run("anonymous", func(t *testing.T) {
		for _, h := range []map[string]string{nil, {"Authorization": basicAuth("bob-user", "wrong")}} {
			r := do(t, "GET", proxy+"/basic-anon", nil, h)
			expectStatus(t, "anonymous", r, 200)
			saw := upstreamSaw(t, r).Headers
			expectValue(t, "X-Consumer-Username", saw["X-Consumer-Username"], "anon")
			expectValue(t, "X-Anonymous-Consumer", saw["X-Anonymous-Consumer"], "true")
		}
		asBob(t, do(t, "GET", proxy+"/basic-anon", nil, map[string]string{"Authorization": basicAuth("bob-user", pass)}))
	})

	t.Run("changed password", func(t *testing.T) {
		r := form(t, admin+"/consumers/bob/basic-auth", "username=bob-2", "password=first")
		expectStatus(t, "second credential", r, 201)
		ok := map[string]string{"Authorization": basicAuth("bob-2", "first")}
		expectStatus(t, "first password", do(t, "GET", proxy+"/basic", nil, ok), 200)
		r = do(t, "PATCH", admin+"/basic-auths/bob-2", strings.NewReader("password=second"),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		expectStatus(t, "change password", r, 200)
		expectStatus(t, "old password after the change", do(t, "GET", proxy+"/basic", nil, ok), 401)
		expectStatus(t, "new password", do(t, "GET", proxy+"/basic", nil, map[string]string{"Authorization": basicAuth("bob-2", "second")}), 200)
	})
}
