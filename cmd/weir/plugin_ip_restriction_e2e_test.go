package main_test

import (
	"strings"
	"testing"
)

func TestPluginIPRestriction(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	// Node a trusts the test client, so X-Real-IP (Kong's default real_ip_header) names
	// the client; node b trusts every peer and reads X-Forwarded-For recursively.
	a := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t),
		extraEnv: []string{"KONG_TRUSTED_IPS=127.0.0.1"}}
	a.start(t)
	admin, proxy := "http://"+a.admin, "http://"+a.proxy
	expectStatus(t, "service", form(t, admin+"/services", "name=echo", "url=http://"+echoAddr+"/"), 201)
	route := func(admin, name, cfg string) {
		t.Helper()
		expectStatus(t, "route "+name, form(t, admin+"/services/echo/routes", "name="+name, "paths[]=/"+name), 201)
		expectStatus(t, "plugin on "+name, postJSON(t, admin+"/routes/"+name+"/plugins",
			`{"name":"ip-restriction","config":`+cfg+`}`), 201)
	}

	t.Run("schema", func(t *testing.T) {
		for _, tc := range []struct{ cfg, want string }{
			{`{}`, `"@entity":["at least one of these fields must be non-empty: 'config.allow', 'config.deny'"]`},
			{`{"allow":[]}`, `"@entity":["at least one of these fields must be non-empty: 'config.allow', 'config.deny'"]`},
			{`{"allow":["10.0.0.0/33"]}`, `"config":{"allow":["invalid ip or cidr range: '10.0.0.0/33'"]}`},
			{`{"deny":["1.2.3.4","not-an-ip"]}`, `"config":{"deny":[null,"invalid ip or cidr range: 'not-an-ip'"]}`},
			{`{"deny":["2001:db8::/129"]}`, `"deny":["invalid ip or cidr range: '2001:db8::/129'"]`},
			{`{"deny":["1.2.3.4"],"status":"x"}`, `"status":"expected a number"`},
		} {
			r := postJSON(t, admin+"/plugins", `{"name":"ip-restriction","config":`+tc.cfg+`}`)
			if r.status != 400 || !strings.Contains(string(r.body), tc.want) {
				t.Errorf("config %s: %d %s\nwant 400 with %s", tc.cfg, r.status, r.body, tc.want)
			}
		}
		r := form(t, admin+"/plugins", "name=ip-restriction", "config.allow=10.0.0.0/8", "config.allow=2001:db8::/32",
			"config.deny=10.1.1.1", "enabled=false")
		expectStatus(t, "valid v4 and v6, form-encoded", r, 201)
		m := r.json(t)
		if p, _ := m["protocols"].([]any); len(p) != 6 {
			t.Errorf("protocols %v, want Kong's six (http, https, tcp, tls, grpc, grpcs)", p)
		}
		id, _ := m["id"].(string)
		expectStatus(t, "delete", do(t, "DELETE", admin+"/plugins/"+id, nil, nil), 204)
	})

	route(admin, "deny", `{"deny":["10.0.0.0/8","2001:db8::/32","192.168.7.7"]}`)
	route(admin, "allow", `{"allow":["192.168.1.1","fd00::/8"]}`)
	route(admin, "both", `{"allow":["10.0.0.0/8"],"deny":["10.0.0.5"]}`)
	route(admin, "custom", `{"deny":["10.9.9.9"],"status":401,"message":"Go away"}`)

	for _, tc := range []struct {
		path, ip string
		status   int
		message  string
	}{
		{"/deny", "10.1.2.3", 403, "IP address not allowed: 10.1.2.3"},
		{"/deny", "192.168.7.7", 403, "IP address not allowed: 192.168.7.7"},
		{"/deny", "2001:db8::1", 403, "IP address not allowed: 2001:db8::1"},
		{"/deny", "11.0.0.1", 200, ""},
		{"/deny", "2001:db9::1", 200, ""},
		{"/allow", "192.168.1.1", 200, ""},
		{"/allow", "192.168.1.2", 403, "IP address not allowed: 192.168.1.2"},
		{"/allow", "fd12:3456::5", 200, ""},
		{"/allow", "fe80::1", 403, "IP address not allowed: fe80::1"},
		{"/both", "10.0.0.6", 200, ""},
		{"/both", "10.0.0.5", 403, "IP address not allowed: 10.0.0.5"},
		{"/both", "11.0.0.5", 403, "IP address not allowed: 11.0.0.5"},
		{"/custom", "10.9.9.9", 401, "Go away"},
		{"/custom", "10.9.9.8", 200, ""},
	} {
		t.Run(tc.path+" from "+tc.ip, func(t *testing.T) {
			r := do(t, "GET", proxy+tc.path, nil, map[string]string{"X-Real-IP": tc.ip})
			expectStatus(t, "X-Real-IP "+tc.ip, r, tc.status)
			if tc.status == 200 {
				return
			}
			if m := r.json(t); m["message"] != tc.message || m["request_id"] != r.header.Get("X-Kong-Request-Id") || len(m) != 2 {
				t.Errorf("body %s, want message %q and the request id", r.body, tc.message)
			}
		})
	}

	t.Run("peer address without a header", func(t *testing.T) {
		r := do(t, "GET", proxy+"/allow", nil, nil)
		expectStatus(t, "127.0.0.1 not allowed", r, 403)
		if m := r.json(t); m["message"] != "IP address not allowed: 127.0.0.1" {
			t.Errorf("body %s", r.body)
		}
	})

	t.Run("X-Forwarded-For with real_ip_recursive", func(t *testing.T) {
		b := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t),
			extraEnv: []string{"KONG_TRUSTED_IPS=127.0.0.1,10.0.0.0/8", "KONG_REAL_IP_HEADER=X-Forwarded-For", "KONG_REAL_IP_RECURSIVE=on"}}
		b.start(t)
		admin, proxy := "http://"+b.admin, "http://"+b.proxy
		expectStatus(t, "service", form(t, admin+"/services", "name=echo", "url=http://"+echoAddr+"/"), 201)
		route(admin, "deny", `{"deny":["203.0.113.0/24"]}`)
		// The last untrusted address is the client: 203.0.113.9 behind the trusted 10.0.0.1.
		r := do(t, "GET", proxy+"/deny", nil, map[string]string{"X-Forwarded-For": "198.51.100.1, 203.0.113.9, 10.0.0.1"})
		expectStatus(t, "client behind a trusted proxy", r, 403)
		if m := r.json(t); m["message"] != "IP address not allowed: 203.0.113.9" {
			t.Errorf("body %s", r.body)
		}
		r = do(t, "GET", proxy+"/deny", nil, map[string]string{"X-Forwarded-For": "203.0.113.9, 198.51.100.1"})
		expectStatus(t, "client not in the list", r, 200)
		r = do(t, "GET", proxy+"/deny", nil, map[string]string{"X-Real-IP": "203.0.113.9"})
		expectStatus(t, "X-Real-IP is not this node's header", r, 200)
	})
}
