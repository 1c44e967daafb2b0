package store

// Entity names are Kong's table names; they appear in error messages.
const (
	Services           = "services"
	Routes             = "routes"
	Consumers          = "consumers"
	Plugins            = "plugins"
	KeyAuthCredentials = "keyauth_credentials"
	WasmModules        = "wasm_modules"
	Upstreams          = "upstreams"
	Targets            = "targets"
)

// OnDelete says what deleting a parent does to the children that reference it.
type OnDelete int

const (
	// Restrict refuses the delete while children exist (Kong's default).
	Restrict OnDelete = iota
	// Cascade deletes the children in the same transaction.
	Cascade
)

// Relation is one foreign key: Child.Field references Parent.
type Relation struct {
	Child    string
	Field    string
	Parent   string
	OnDelete OnDelete
}

// Relations lists every foreign key, as Kong's schemas declare them.
var Relations = []Relation{
	{Child: Routes, Field: "service", Parent: Services, OnDelete: Restrict},
	{Child: Plugins, Field: "service", Parent: Services, OnDelete: Cascade},
	{Child: Plugins, Field: "route", Parent: Routes, OnDelete: Cascade},
	{Child: Plugins, Field: "consumer", Parent: Consumers, OnDelete: Cascade},
	{Child: KeyAuthCredentials, Field: "consumer", Parent: Consumers, OnDelete: Cascade},
	{Child: Targets, Field: "upstream", Parent: Upstreams, OnDelete: Cascade},
	{Child: JWTSecrets, Field: "consumer", Parent: Consumers, OnDelete: Cascade},
	{Child: BasicAuthCredentials, Field: "consumer", Parent: Consumers, OnDelete: Cascade},
	{Child: ACLs, Field: "consumer", Parent: Consumers, OnDelete: Cascade},
	{Child: HMACAuthCredentials, Field: "consumer", Parent: Consumers, OnDelete: Cascade},
	{Child: SNIs, Field: "certificate", Parent: Certificates, OnDelete: Cascade},
	{Child: Services, Field: "client_certificate", Parent: Certificates, OnDelete: Restrict},
	{Child: Upstreams, Field: "client_certificate", Parent: Certificates, OnDelete: Restrict},
	{Child: Keys, Field: "set", Parent: KeySets, OnDelete: Cascade},
}

// Unique is one unique constraint over one or more fields. A single-field constraint
// ignores entities where the field is null; a composite one (Kong's plugin cache_key)
// counts null as a value, so there is one global instance of a plugin.
type Unique struct {
	Entity string
	Fields []string
}

// Uniques lists every unique constraint.
var Uniques = []Unique{
	{Entity: Services, Fields: []string{"name"}},
	{Entity: Routes, Fields: []string{"name"}},
	{Entity: Consumers, Fields: []string{"username"}},
	{Entity: Consumers, Fields: []string{"custom_id"}},
	{Entity: Plugins, Fields: []string{"instance_name"}},
	{Entity: Plugins, Fields: []string{"name", "route", "service", "consumer"}},
	{Entity: KeyAuthCredentials, Fields: []string{"key"}},
	{Entity: WasmModules, Fields: []string{"name"}},
	{Entity: Upstreams, Fields: []string{"name"}},
	// One target per address in an upstream.
	{Entity: Targets, Fields: []string{"upstream", "target"}},
	{Entity: JWTSecrets, Fields: []string{"key"}},
	{Entity: BasicAuthCredentials, Fields: []string{"username"}},
	// Kong's acls cache_key: a consumer is in a group once.
	{Entity: ACLs, Fields: []string{"consumer", "group"}},
	{Entity: HMACAuthCredentials, Fields: []string{"username"}},
	{Entity: SNIs, Fields: []string{"name"}},
	{Entity: CACertificates, Fields: []string{"cert_digest"}},
	{Entity: Vaults, Fields: []string{"prefix"}},
	{Entity: KeySets, Fields: []string{"name"}},
	{Entity: Keys, Fields: []string{"name"}},
	// Kong's keys cache_key: a kid once per set (and once among keys of no set).
	{Entity: Keys, Fields: []string{"kid", "set"}},
}

// EndpointKeys are the unique fields the Admin API accepts in place of an id
// (/services/{name}).
var EndpointKeys = map[string]string{
	Services:             "name",
	Routes:               "name",
	Consumers:            "username",
	Plugins:              "instance_name",
	KeyAuthCredentials:   "key",
	WasmModules:          "name",
	Upstreams:            "name",
	JWTSecrets:           "key",
	BasicAuthCredentials: "username",
	HMACAuthCredentials:  "username",
	SNIs:                 "name",
	Vaults:               "prefix",
	KeySets:              "name",
	Keys:                 "name",
}

// UniquesOf returns the unique constraints of one entity.
func UniquesOf(entity string) []Unique {
	return filter(Uniques, func(u Unique) bool { return u.Entity == entity })
}

// ForeignKeysOf returns the relations where entity is the child.
func ForeignKeysOf(entity string) []Relation {
	return filter(Relations, func(r Relation) bool { return r.Child == entity })
}

// ChildrenOf returns the relations where entity is the parent.
func ChildrenOf(entity string) []Relation {
	return filter(Relations, func(r Relation) bool { return r.Parent == entity })
}

func filter[T any](all []T, keep func(T) bool) []T {
	var out []T
	for _, v := range all {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// Values returns the values of u's fields in an entity's attributes, and false when
// a single-field constraint does not apply because the field is null.
func (u Unique) Values(attrs map[string]any) (map[string]any, bool) {
	vals := make(map[string]any, len(u.Fields))
	for _, f := range u.Fields {
		vals[f] = attrs[f]
	}
	if len(u.Fields) == 1 && vals[u.Fields[0]] == nil {
		return nil, false
	}
	return vals, true
}

// RefID returns the id a foreign-key attribute holds, or "".
func RefID(attrs map[string]any, field string) string {
	ref, _ := attrs[field].(map[string]any)
	id, _ := ref["id"].(string)
	return id
}
