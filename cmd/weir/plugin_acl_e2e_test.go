package main_test

import (
	"sort"
	"strings"
	"testing"
)

func TestPluginACL(t *testing.T) {
	bin := buildWeir(t)
	echo := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	admin, proxy := "http://"+n.admin, "http://"+n.proxy

	expectStatus(t, "service", form(t, admin+"/services", "name=acl-svc", "url=http://"+echo+"/"), 201)
	for _, c := range []struct {
		name   string
		groups []string
	}{
		{"alice", []string{"admin", "dev"}}, {"bob", []string{"guest"}}, {"carol", nil},
		{"anon", []string{"anon-group"}}, {"nogroups", nil},
	} {
		expectStatus(t, "consumer "+c.name, form(t, admin+"/consumers", "username="+c.name), 201)
		expectStatus(t, "key of "+c.name, form(t, admin+"/consumers/"+c.name+"/key-auth", "key="+c.name+"-key"), 201)
		for _, g := range c.groups {
			expectStatus(t, "group "+g, form(t, admin+"/consumers/"+c.name+"/acls", "group="+g), 201)
		}
	}
	route := func(name, keyAuth, acl string) {
		addRoute(t, admin, "acl-svc", name, acl)
		if keyAuth != "" {
			expectStatus(t, "key-auth on "+name, postJSON(t, admin+"/routes/"+name+"/plugins", keyAuth), 201)
		}
	}
	keyAuth := `{"name":"key-auth"}`
	route("acl-allow", keyAuth, `{"name":"acl","config":{"allow":["admin","ops"]}}`)
	route("acl-deny", keyAuth, `{"name":"acl","config":{"deny":["guest"]}}`)
	route("acl-hide", keyAuth, `{"name":"acl","config":{"allow":["admin"],"hide_groups_header":true}}`)
	route("acl-alone", "", `{"name":"acl","config":{"allow":["admin"]}}`)
	route("acl-anon", `{"name":"key-auth","config":{"anonymous":"anon"}}`, `{"name":"acl","config":{"allow":["anon-group","admin"]}}`)
	route("acl-anon-nogroups", `{"name":"key-auth","config":{"anonymous":"nogroups"}}`, `{"name":"acl","config":{"allow":["admin"]}}`)

	call := func(path, key string, extra ...string) *response {
		h := map[string]string{}
		if key != "" {
			h["apikey"] = key
		}
		for i := 0; i+1 < len(extra); i += 2 {
			h[extra[i]] = extra[i+1]
		}
		return do(t, "GET", proxy+path, nil, h)
	}
	refused := func(t *testing.T, r *response, status int, msg string) {
		t.Helper()
		expectStatus(t, msg, r, status)
		m := r.json(t)
		if m["message"] != msg || m["request_id"] != r.header.Get("X-Kong-Request-Id") {
			t.Fatalf("%d body = %s, want %q", status, r.body, msg)
		}
	}
	groupsHeader := func(t *testing.T, r *response, want string) {
		t.Helper()
		expectStatus(t, "allowed", r, 200)
		saw := upstreamSaw(t, r).Headers
		// Groups come in the store's order (Kong's: by acl id), so compare them sorted.
		got, ok := saw["X-Consumer-Groups"]
		sorted := strings.Split(got, ", ")
		sort.Strings(sorted)
		if strings.Join(sorted, ", ") != want || (want == "" && ok) {
			t.Fatalf("X-Consumer-Groups = %q (present %v), want %q", got, ok, want)
		}
	}

	t.Run("allow", func(t *testing.T) {
		groupsHeader(t, call("/acl-allow", "alice-key", "X-Consumer-Groups", "forged"), "admin, dev")
		refused(t, call("/acl-allow", "bob-key"), 403, "You cannot consume this service")
		refused(t, call("/acl-allow", "carol-key"), 403, "You cannot consume this service") // a credential but no groups
	})
	t.Run("deny", func(t *testing.T) {
		groupsHeader(t, call("/acl-deny", "alice-key"), "admin, dev")
		refused(t, call("/acl-deny", "bob-key"), 403, "You cannot consume this service")
		r := call("/acl-deny", "carol-key")
		expectStatus(t, "no groups, deny list", r, 200)
	})
	t.Run("hide groups header", func(t *testing.T) {
		groupsHeader(t, call("/acl-hide", "alice-key"), "")
	})
	t.Run("no consumer", func(t *testing.T) {
		refused(t, call("/acl-alone", ""), 401, "Unauthorized")
	})
	t.Run("anonymous consumer", func(t *testing.T) {
		groupsHeader(t, call("/acl-anon", ""), "anon-group")
		groupsHeader(t, call("/acl-anon", "alice-key"), "admin, dev")
		refused(t, call("/acl-anon", "bob-key"), 403, "You cannot consume this service")
		// An anonymous consumer without groups is not authenticated enough: 401.
		refused(t, call("/acl-anon-nogroups", ""), 401, "Unauthorized")
	})
	t.Run("groups follow the Admin API", func(t *testing.T) {
		expectStatus(t, "add bob to ops", form(t, admin+"/consumers/bob/acls", "group=ops"), 201)
		groupsHeader(t, call("/acl-allow", "bob-key"), "guest, ops")
		expectStatus(t, "remove bob from ops", do(t, "DELETE", admin+"/consumers/bob/acls/ops", nil, nil), 204)
		refused(t, call("/acl-allow", "bob-key"), 403, "You cannot consume this service")
		r := do(t, "GET", admin+"/consumers/alice/acls", nil, nil)
		expectStatus(t, "alice's groups", r, 200)
		if data, _ := r.json(t)["data"].([]any); len(data) != 2 {
			t.Fatalf("alice's acls = %s", r.body)
		}
		r = do(t, "GET", admin+"/acls", nil, nil)
		if data, _ := r.json(t)["data"].([]any); len(data) != 4 {
			t.Fatalf("all acls = %s", r.body)
		}
	})
	t.Run("config validation", func(t *testing.T) {
		for _, tc := range []struct{ config, fields string }{
			{`{}`, `{"@entity":["at least one of these fields must be non-empty: 'config.allow', 'config.deny'"]}`},
			{`{"allow":["a"],"deny":["b"]}`, `{"@entity":["exactly one of these fields must be non-empty: 'config.allow', 'config.deny'"]}`},
		} {
			r := postJSON(t, admin+"/plugins", `{"name":"acl","config":`+tc.config+`}`)
			expectStatus(t, "acl config "+tc.config, r, 400)
			expectJSONBody(t, "acl config "+tc.config, &response{body: mustJSON(t, r.json(t)["fields"])}, tc.fields)
		}
		expectStatus(t, "deny only", postJSON(t, admin+"/plugins", `{"name":"acl","config":{"deny":["x"]}}`), 201)
	})
}
