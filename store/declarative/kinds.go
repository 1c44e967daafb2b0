package declarative

import "github.com/weir-gateway/weir/store"

// kind is one entity list a file may hold: its store entity, the singular name errors
// use (Kong's entity_type), and the lists that may be nested in each of its entries,
// with the foreign key a nested entry gets pointing at its parent.
type kind struct {
	entity   string
	typeName string
	nested   map[string]string // nested list key -> foreign-key field of the child
}

// kinds maps each top-level (or nested) list key to its kind.
var kinds = map[string]*kind{
	"services":              {store.Services, "service", map[string]string{"routes": "service", "plugins": "service"}},
	"routes":                {store.Routes, "route", map[string]string{"plugins": "route"}},
	"consumers":             {store.Consumers, "consumer", consumerNested},
	"plugins":               {store.Plugins, "plugin", nil},
	"upstreams":             {store.Upstreams, "upstream", map[string]string{"targets": "upstream"}},
	"targets":               {store.Targets, "target", nil},
	"certificates":          {store.Certificates, "certificate", map[string]string{"snis": "certificate"}},
	"snis":                  {store.SNIs, "sni", nil},
	"ca_certificates":       {store.CACertificates, "ca_certificate", nil},
	"keyauth_credentials":   {store.KeyAuthCredentials, "keyauth_credential", nil},
	"jwt_secrets":           {store.JWTSecrets, "jwt_secret", nil},
	"basicauth_credentials": {store.BasicAuthCredentials, "basicauth_credential", nil},
	"acls":                  {store.ACLs, "acl", nil},
	"hmacauth_credentials":  {store.HMACAuthCredentials, "hmacauth_credential", nil},
	"wasm_modules":          {store.WasmModules, "wasm_module", nil},
	"vaults":                {store.Vaults, "vault", nil},
	"key_sets":              {store.KeySets, "key_set", map[string]string{"keys": "set"}},
	"keys":                  {store.Keys, "key", nil},
}

var consumerNested = map[string]string{
	"plugins": "consumer", "keyauth_credentials": "consumer", "jwt_secrets": "consumer",
	"basicauth_credentials": "consumer", "acls": "consumer", "hmacauth_credentials": "consumer",
}

// order is the order entities get their ids in: every entity after the ones it may
// reference, so a reference always finds its target's id.
var order = []string{
	store.WasmModules, store.Certificates, store.SNIs, store.CACertificates, store.Services, store.Routes,
	store.Consumers, store.Upstreams, store.Targets, store.Plugins, store.KeyAuthCredentials,
	store.JWTSecrets, store.BasicAuthCredentials, store.ACLs, store.HMACAuthCredentials,
	store.Vaults, store.KeySets, store.Keys,
}

// listKey is the top-level key of an entity's list.
func listKey(entity string) string {
	for k, kd := range kinds {
		if kd.entity == entity {
			return k
		}
	}
	return entity
}
