package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/weir-gateway/weir/store/schema"
)

// Validator turns client input (a decoded JSON object) into a valid entity: it fills
// ids, timestamps and defaults, and checks every field and entity rule, reporting all
// failures at once as a SchemaViolation. It lives in store so that the Admin API and
// declarative config share one set of rules.
type Validator struct {
	builtins map[string]*schema.Plugin
	modules  Reads[WasmModule]
	now      func() time.Time
}

// NewValidator returns a validator that knows these built-in plugins and resolves any
// other plugin name against the uploaded modules.
func NewValidator(builtins []*schema.Plugin, modules Reads[WasmModule]) *Validator {
	v := &Validator{builtins: map[string]*schema.Plugin{}, modules: modules, now: time.Now}
	for _, b := range builtins {
		attachPluginChecks(b)
		v.builtins[b.Name] = b
	}
	return v
}

// Builtin returns the schema of a built-in plugin.
func (v *Validator) Builtin(name string) (*schema.Plugin, bool) {
	p, ok := v.builtins[name]
	return p, ok
}

// Schema returns the schema input for entity is validated against. For plugins it is
// specialised by the plugin named in the input: its config record and protocols.
func (v *Validator) Schema(ctx context.Context, entity string, in map[string]any) (*schema.Field, error) {
	base := entitySchemas[entity]
	if base == nil {
		return nil, fmt.Errorf("schema of %q: %w", entity, ErrNotFound)
	}
	if entity != Plugins {
		return base, nil
	}
	name, _ := in["name"].(string)
	p, err := v.plugin(ctx, name)
	if err != nil || p == nil {
		return base, err
	}
	return PluginEntitySchema(p), nil
}

// plugin resolves a plugin name to its schema; an uploaded module gets nil (any config).
func (v *Validator) plugin(ctx context.Context, name string) (*schema.Plugin, error) {
	if p, ok := v.builtins[name]; ok || name == "" {
		return p, nil
	}
	m, err := v.modules.GetBy(ctx, "name", name)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("look up wasm module %q: %w", name, err)
	}
	return moduleSchema(m)
}

// moduleSchema is the plugin schema an uploaded module carries, or nil (any config).
func moduleSchema(m *WasmModule) (*schema.Plugin, error) {
	if len(m.Schema) == 0 || string(m.Schema) == "null" {
		return nil, nil
	}
	p, err := schema.ParsePlugin(m.Schema)
	if err != nil {
		return nil, fmt.Errorf("wasm module %q: %w", m.Name, err)
	}
	return p, nil
}

// PluginEntitySchema is the plugin entity schema specialised for one plugin, as
// /schemas/plugins/{name} serves it.
func PluginEntitySchema(p *schema.Plugin) *schema.Field {
	out := *pluginSchema
	out.Fields = slices.Clone(pluginSchema.Fields)
	for i, nf := range out.Fields {
		switch nf.Name {
		case "config":
			out.Fields[i].Field = p.Config
		case "protocols":
			f := *nf.Field
			elems := *f.Elements
			f.Default = toAnySlice(p.Protocols)
			elems.OneOf = toAnySlice(p.Protocols)
			f.Elements = &elems
			out.Fields[i].Field = &f
		}
	}
	return &out
}

func toAnySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// Merge applies a PATCH body over a stored entity: records (plugin config) merge field
// by field, everything else is replaced. The result is then validated like a new entity.
func (v *Validator) Merge(ctx context.Context, entity string, stored any, patch map[string]any) (map[string]any, error) {
	base, err := Attributes(stored)
	if err != nil {
		return nil, err
	}
	if _, ok := patch["name"]; !ok && entity == Plugins {
		patch = cloneMap(patch)
		patch["name"] = base["name"]
	}
	if entity == Upstreams {
		patch = upstreamInput(patch)
	}
	sch, err := v.Schema(ctx, entity, patch)
	if err != nil {
		return nil, err
	}
	return sch.Merge(base, patch).(map[string]any), nil
}

// Service validates a service; the `url` shorthand sets protocol, host, port and path.
func (v *Validator) Service(in map[string]any) (*Service, error) {
	in, err := expandURL(in)
	if err != nil {
		return nil, err
	}
	out := new(Service)
	return out, v.prepare(serviceSchema, in, serviceChecks, out)
}

// Route validates a route.
func (v *Validator) Route(in map[string]any) (*Route, error) {
	out := new(Route)
	return out, v.prepare(routeSchema, in, routeChecks, out)
}

// Consumer validates a consumer.
func (v *Validator) Consumer(in map[string]any) (*Consumer, error) {
	out := new(Consumer)
	return out, v.prepare(consumerSchema, in, consumerChecks, out)
}

// KeyAuthCredential validates a key-auth credential, generating the key if omitted.
func (v *Validator) KeyAuthCredential(in map[string]any) (*KeyAuthCredential, error) {
	in = cloneMap(in)
	if in["key"] == nil {
		key, err := RandomKey()
		if err != nil {
			return nil, err
		}
		in["key"] = key
	}
	out := new(KeyAuthCredential)
	return out, v.prepare(keyAuthSchema, in, nil, out)
}

// Upstream validates an upstream.
func (v *Validator) Upstream(in map[string]any) (*Upstream, error) {
	out := new(Upstream)
	return out, v.prepare(upstreamSchema, upstreamInput(in), upstreamChecks, out)
}

// Target validates a target, writing its address as host:port; its timestamps carry
// milliseconds, as Kong's do.
func (v *Validator) Target(in map[string]any) (*Target, error) {
	in = cloneMap(in)
	if s, ok := in["target"].(string); ok {
		in["target"] = NormalizeTarget(s)
	}
	ms := float64(v.now().UnixMilli()) / 1000
	if in["created_at"] == nil {
		in["created_at"] = ms
	}
	out := new(Target)
	if err := v.prepare(targetSchema, in, nil, out); err != nil {
		return nil, err
	}
	out.UpdatedAt = ms
	return out, nil
}

// JWTSecret validates a JWT secret, generating the key and secret when omitted.
func (v *Validator) JWTSecret(in map[string]any) (*JWTSecret, error) {
	in, err := withRandom(in, "key", "secret")
	if err != nil {
		return nil, err
	}
	out := new(JWTSecret)
	return out, v.prepare(jwtSecretSchema, in, jwtSecretChecks, out)
}

// BasicAuthCredential validates a basic-auth credential and replaces its password by
// a bcrypt hash, after validation so that a missing password is reported as such.
func (v *Validator) BasicAuthCredential(in map[string]any) (*BasicAuthCredential, error) {
	out := new(BasicAuthCredential)
	if err := v.prepare(basicAuthSchema, in, nil, out); err != nil {
		return nil, err
	}
	h, err := HashPassword(out.Password)
	if err != nil {
		return nil, err
	}
	out.Password = h
	return out, nil
}

// ACL validates an ACL group membership.
func (v *Validator) ACL(in map[string]any) (*ACL, error) {
	out := new(ACL)
	return out, v.prepare(aclSchema, in, nil, out)
}

// HMACAuthCredential validates an HMAC credential, generating the secret if omitted.
func (v *Validator) HMACAuthCredential(in map[string]any) (*HMACAuthCredential, error) {
	in, err := withRandom(in, "secret")
	if err != nil {
		return nil, err
	}
	out := new(HMACAuthCredential)
	return out, v.prepare(hmacAuthSchema, in, nil, out)
}

// withRandom fills each absent field with a random key, as Kong generates secrets.
func withRandom(in map[string]any, fields ...string) (map[string]any, error) {
	in = cloneMap(in)
	for _, f := range fields {
		if in[f] != nil {
			continue
		}
		k, err := RandomKey()
		if err != nil {
			return nil, err
		}
		in[f] = k
	}
	return in, nil
}

// Certificate validates a certificate and its key (and the alternative pair).
func (v *Validator) Certificate(in map[string]any) (*Certificate, error) {
	out := new(Certificate)
	return out, v.prepare(certificateSchema, in, certificateChecks, out)
}

// SNI validates a server name of a certificate.
func (v *Validator) SNI(in map[string]any) (*SNI, error) {
	out := new(SNI)
	return out, v.prepare(sniSchema, in, nil, out)
}

// CACertificate validates a CA certificate and computes its digest.
func (v *Validator) CACertificate(in map[string]any) (*CACertificate, error) {
	in, err := caCertificateInput(in, v.now())
	if err != nil {
		return nil, err
	}
	out := new(CACertificate)
	return out, v.prepare(caCertificateSchema, in, nil, out)
}

// Vault validates a vault: its prefix, and the config of its backend.
func (v *Validator) Vault(in map[string]any) (*Vault, error) {
	out := new(Vault)
	return out, v.prepare(vaultSchema, in, nil, out)
}

// KeySet validates a key set.
func (v *Validator) KeySet(in map[string]any) (*KeySet, error) {
	out := new(KeySet)
	return out, v.prepare(keySetSchema, in, nil, out)
}

// Key validates a key: a JWK or a PEM pair, with its kid.
func (v *Validator) Key(in map[string]any) (*Key, error) {
	out := new(Key)
	return out, v.prepare(keySchema, in, keyChecks, out)
}

// WasmModule validates an uploaded module's metadata; the store fills sha256 and size.
func (v *Validator) WasmModule(in map[string]any) (*WasmModule, error) {
	out := new(WasmModule)
	checks := func(e map[string]any) map[string]any {
		if name, _ := e["name"].(string); v.builtins[name] != nil {
			return map[string]any{"name": "a built-in plugin is named '" + name + "'"}
		}
		return nil
	}
	in = cloneMap(in)
	for _, auto := range []string{"sha256", "size", "version", "schema"} {
		if in[auto] == nil {
			delete(in, auto)
		}
	}
	return out, v.prepare(wasmModuleSchema, in, checks, out)
}

// Plugin validates a plugin against the schema of the plugin it names.
func (v *Validator) Plugin(ctx context.Context, in map[string]any) (*Plugin, error) {
	name, _ := in["name"].(string)
	p, known := v.builtins[name]
	if !known && name != "" {
		m, err := v.modules.GetBy(ctx, "name", name)
		switch {
		case errors.Is(err, ErrNotFound):
			return nil, SchemaViolation(map[string]any{
				"name": fmt.Sprintf("plugin '%s' not enabled; add it to the 'plugins' configuration property", name)})
		case err != nil:
			return nil, fmt.Errorf("look up wasm module %q: %w", name, err)
		}
		if p, err = moduleSchema(m); err != nil {
			return nil, err
		}
	}
	sch := pluginSchema
	checks := checkOrderingScope
	if p != nil {
		in = expandShorthands(p, in)
		sch = PluginEntitySchema(p)
		checks = allChecks(pluginScopeChecks(p), checkOrderingScope)
	}
	out := new(Plugin)
	return out, v.prepare(sch, in, checks, out)
}

// prepare fills the automatic fields, validates in against sch and the entity checks,
// and decodes the result into out.
func (v *Validator) prepare(sch *schema.Field, in map[string]any, checks func(map[string]any) map[string]any, out any) error {
	in = cloneMap(in)
	if in["id"] == nil {
		in["id"] = uuid.NewString()
	}
	now := float64(v.now().Unix())
	if in["created_at"] == nil {
		in["created_at"] = now
	}
	if sch.Get("updated_at") != nil {
		in["updated_at"] = now
	}
	val, errs := sch.Process(in)
	if errs != nil {
		fields, ok := errs.(map[string]any)
		if !ok {
			fields = map[string]any{"@entity": []any{errs}}
		}
		return SchemaViolation(fields)
	}
	entity := val.(map[string]any)
	if checks != nil {
		if fields := checks(entity); len(fields) > 0 {
			return SchemaViolation(fields)
		}
	}
	b, err := json.Marshal(entity)
	if err != nil {
		return fmt.Errorf("encode validated entity: %w", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode validated entity: %w", err)
	}
	return nil
}

// RandomKey returns 32 hex characters from crypto/rand, as Kong generates API keys.
func RandomKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// expandURL applies the service `url` shorthand: scheme, host, port and path, with the
// port inferred from the scheme and the scheme from ports 80 and 443.
func expandURL(in map[string]any) (map[string]any, error) {
	raw, ok := in["url"]
	if !ok {
		return in, nil
	}
	in = cloneMap(in)
	delete(in, "url")
	if raw == nil {
		return in, nil
	}
	s, ok := raw.(string)
	if !ok {
		return nil, SchemaViolation(map[string]any{"url": "expected a string"})
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, SchemaViolation(map[string]any{"url": "could not parse url. " + s})
	}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, SchemaViolation(map[string]any{"url": "could not parse url. " + s})
		}
	}
	proto := u.Scheme
	if proto == "" {
		proto = map[int]string{80: "http", 443: "https"}[port]
	}
	if proto == "" {
		proto = "http"
	}
	if port == 0 {
		port = map[string]int{"http": 80, "https": 443}[proto]
		if port == 0 {
			port = 80
		}
	}
	in["protocol"], in["host"], in["port"] = proto, u.Hostname(), float64(port)
	in["path"] = nil
	if p := u.EscapedPath(); p != "" {
		in["path"] = p
	}
	return in, nil
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+3)
	for k, v := range m {
		out[k] = v
	}
	return out
}
