package declarative_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/declarative"
	"github.com/weir-gateway/weir/store/schema"
)

func builtins(t *testing.T) []*schema.Plugin {
	t.Helper()
	bs, err := pluginswasm.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	var out []*schema.Plugin
	for _, b := range bs {
		p, err := schema.ParsePlugin(b.Schema)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func load(t *testing.T, src string) (*store.Export, error) {
	t.Helper()
	tree, err := declarative.Parse([]byte(src))
	if err != nil {
		return nil, err
	}
	return declarative.Load(context.Background(), tree, declarative.Options{Builtins: builtins(t)})
}

func TestLoadDeckFile(t *testing.T) {
	src, err := os.ReadFile("testdata/deck.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := load(t, string(src))
	if err != nil {
		t.Fatal(err)
	}
	counts := []int{len(ex.Services), len(ex.Routes), len(ex.Plugins), len(ex.Upstreams), len(ex.Targets), len(ex.Consumers),
		len(ex.KeyAuthCredentials), len(ex.BasicAuthCredentials), len(ex.ACLs), len(ex.JWTSecrets)}
	if b, _ := json.Marshal(counts); string(b) != "[1,2,3,1,2,1,1,1,1,1]" {
		t.Fatalf("entity counts %s", b)
	}
	svc := ex.Services[0]
	if svc.Host != "127.0.0.1" || svc.Port != 9999 || svc.Retries != 5 {
		t.Fatalf("service %+v", svc)
	}
	for _, r := range ex.Routes {
		if r.Service == nil || r.Service.ID != svc.ID {
			t.Fatalf("route %s not linked to its service", *r.Name)
		}
	}
	if ex.Targets[1].Target != "10.0.0.2:8000" && ex.Targets[0].Target != "10.0.0.2:8000" {
		t.Fatalf("targets %+v", ex.Targets)
	}
	if !store.CheckPassword(ex.BasicAuthCredentials[0].Password, "OpenSesame") {
		t.Fatal("basic-auth password not hashed")
	}
	again, err := load(t, string(src))
	if err != nil {
		t.Fatal(err)
	}
	if again.Services[0].ID != svc.ID || again.Consumers[0].ID != ex.Consumers[0].ID {
		t.Fatal("ids differ between two loads of the same file")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // substrings of the report
	}{
		{"format version", `services: []`, []string{"_format_version: required field missing"}},
		{"old format", `_format_version: "1.1"`, []string{`_format_version "1.1" is not supported`}},
		{"unknown list", "_format_version: \"3.0\"\nfilter_chains: []", []string{"filter_chains: unknown entity type"}},
		{"alias bomb", "_format_version: \"3.0\"\nx: &a [1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nz: [*b,*b,*b,*b,*b,*b,*b,*b]",
			[]string{"YAML aliases expand the file"}},
		{"not yaml", "_format_version: [", []string{"invalid declarative configuration"}},
		{"field errors", `_format_version: "3.0"
services:
- name: a
  port: 99999
- name: b
  host: h
  routes:
  - name: r
    paths: [nope]`, []string{"service 'a': host: required field missing; port: value should be between 0 and 65535",
			"route 'r': paths.1: should start with"}},
		{"reference", `_format_version: "3.0"
routes:
- name: r
  paths: [/]
  service: missing`, []string{"invalid reference 'service: missing' (no such entry in 'services')"}},
		{"duplicate", `_format_version: "3.0"
consumers:
- username: a
- username: a`, []string{"uniqueness violation: 'consumers' entity with username set to 'a' already declared"}},
		{"duplicate target", `_format_version: "3.0"
upstreams:
- name: u
  targets:
  - target: a
  - target: a:8000`, []string{"uniqueness violation: 'targets' entity with target set to 'a:8000'"}},
		{"unknown plugin", `_format_version: "3.0"
plugins:
- name: nope`, []string{"plugin 'nope' not enabled"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.src)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("report lacks %q:\n%v", w, err)
				}
			}
		})
	}
	_, err := load(t, "_format_version: \"3.0\"\nconsumers:\n- username: a\n- {}")
	var de *declarative.Errors
	if !errors.As(err, &de) || len(de.Entities) != 1 || de.Entities[0].EntityType != "consumer" || de.Entities[0].Errors[0].Type != "entity" {
		t.Fatalf("flattened errors %#v", err)
	}
}

// TestExportLoads: what db_export writes (flat lists, ids, references as {"id"}) is a
// declarative file that loads back to the same entities.
func TestExportLoads(t *testing.T) {
	src, _ := os.ReadFile("testdata/deck.yaml")
	first, err := load(t, string(src))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(first)
	second, err := load(t, string(raw))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(first.Routes)
	b, _ := json.Marshal(second.Routes)
	if !equalIgnoringUpdated(a, b) {
		t.Fatalf("routes differ after a round trip:\n%s\n%s", a, b)
	}
	if second.BasicAuthCredentials[0].Password != first.BasicAuthCredentials[0].Password {
		t.Fatal("a stored password hash was hashed again")
	}
}

func equalIgnoringUpdated(a, b []byte) bool {
	var x, y []map[string]any
	_ = json.Unmarshal(a, &x)
	_ = json.Unmarshal(b, &y)
	for _, l := range [][]map[string]any{x, y} {
		for _, m := range l {
			delete(m, "updated_at")
		}
	}
	ab, _ := json.Marshal(x)
	bb, _ := json.Marshal(y)
	return string(ab) == string(bb)
}

// TestLoadAdoptsStoredIDs: an entity written without an id takes the id of the stored
// entity with the same endpoint key, and its children follow.
func TestLoadAdoptsStoredIDs(t *testing.T) {
	const stored = "0b4f7a5c-61e5-4a4e-8f57-1a0f3c7ab001"
	tree, err := declarative.Parse([]byte("_format_version: \"3.0\"\nservices:\n- name: example\n  host: h\n  routes:\n  - paths: [/]\n- name: new\n  host: h\n"))
	if err != nil {
		t.Fatal(err)
	}
	existing := func(_ context.Context, entity, field, value string) (string, bool, error) {
		return stored, entity == store.Services && field == "name" && value == "example", nil
	}
	ex, err := declarative.Load(context.Background(), tree, declarative.Options{Builtins: builtins(t), Existing: existing})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, s := range ex.Services {
		ids[*s.Name] = s.ID
	}
	if ids["example"] != stored || ids["new"] == stored || ex.Routes[0].Service.ID != stored {
		t.Fatalf("ids %v, route's service %v", ids, ex.Routes[0].Service)
	}
}

// TestLoadKeysAndVaults: vaults, key sets with nested keys, and a top-level key
// naming its set; an invalid key is reported as Kong reports it.
func TestLoadKeysAndVaults(t *testing.T) {
	ex, err := load(t, `_format_version: "3.0"
vaults:
- prefix: my-env
  name: env
  config:
    prefix: SECRET_
key_sets:
- name: jwks
  keys:
  - name: k1
    kid: k1
    jwk: '{"kty":"oct","kid":"k1","k":"c2VjcmV0"}'
keys:
- name: k2
  kid: k2
  set: jwks
  jwk: '{"kty":"oct","kid":"k2","k":"c2VjcmV0"}'
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Vaults) != 1 || len(ex.KeySets) != 1 || len(ex.Keys) != 2 {
		t.Fatalf("%d vaults, %d key sets, %d keys", len(ex.Vaults), len(ex.KeySets), len(ex.Keys))
	}
	for _, k := range ex.Keys {
		if k.Set == nil || k.Set.ID != ex.KeySets[0].ID {
			t.Fatalf("key %s not in its set: %+v", k.Kid, k.Set)
		}
	}
	if string(ex.Vaults[0].Config) != `{"base64_decode":false,"neg_ttl":null,"prefix":"SECRET_","resurrect_ttl":null,"ttl":null}` {
		t.Fatalf("vault config %s", ex.Vaults[0].Config)
	}
	_, err = load(t, `_format_version: "3.0"
keys:
- name: bad
  kid: other
  jwk: '{"kty":"oct","kid":"k1","k":"c2VjcmV0"}'
`)
	if err == nil || !strings.Contains(err.Error(), "kid in jwk.kid must be equal to keys.kid") {
		t.Fatalf("invalid key: %v", err)
	}
}
