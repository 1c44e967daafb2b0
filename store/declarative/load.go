package declarative

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/schema"
)

// Options say what a file is loaded against.
type Options struct {
	// Builtins are the built-in plugins' schemas.
	Builtins []*schema.Plugin
	// Stored, when set, are modules already in the database, which plugins in the file
	// may name besides the file's own wasm_modules (db_import into a live database).
	Stored store.Reads[store.WasmModule]
	// ExternalIDs accepts references by id to entities that are not in the file (they
	// must then exist in the database the entities are written to). A whole
	// configuration (DB-less) leaves it off, so every reference must resolve.
	ExternalIDs bool
	// Existing, when set, finds the id of a stored entity by its endpoint key (a
	// service's name, a consumer's username). An entity the file writes without an id
	// then takes the stored one, so importing a file over a configuration made through
	// the Admin API updates those entities instead of colliding with them.
	Existing func(ctx context.Context, entity, field, value string) (id string, found bool, err error)
}

// idNamespace makes the ids of entities written without one stable: the same file
// loaded twice gives the same ids, so a re-import updates instead of duplicating.
var idNamespace = uuid.MustParse("5d4b8a4e-7a36-4c1e-9a0f-3f0c6c3f2b11")

// record is one entity of the file, with its nested lists removed.
type record struct {
	kind   *kind
	attrs  map[string]any
	parent *record
	// parentField is the foreign key pointing at parent, when nested.
	parentField string
	binary      []byte
	errs        []FieldError
}

func (r *record) id() string {
	id, _ := r.attrs["id"].(string)
	return id
}

// Load reads a parsed file into validated entities. An invalid file returns *Errors
// listing every invalid entity; nothing is half-loaded.
func Load(ctx context.Context, tree map[string]any, opts Options) (*store.Export, error) {
	var recs []*record
	for _, key := range sortedKeys(tree) {
		if kd, ok := kinds[key]; ok {
			if err := collect(kd, tree[key], nil, "", &recs); err != nil {
				return nil, err
			}
		}
	}
	byEntity := map[string][]*record{}
	for _, r := range recs {
		byEntity[r.kind.entity] = append(byEntity[r.kind.entity], r)
	}
	if err := prehashPasswords(byEntity[store.BasicAuthCredentials]); err != nil {
		return nil, err
	}
	files := &fileModules{base: opts.Stored, byName: map[string]*store.WasmModule{}}
	v := store.NewValidator(opts.Builtins, files)
	out := &store.Export{FormatVersion: store.FormatVersion}
	for _, entity := range order {
		for _, r := range byEntity[entity] {
			resolve(r, byEntity, opts.ExternalIDs)
			if err := adoptStoredID(ctx, r, opts.Existing); err != nil {
				return nil, err
			}
			assignID(r)
			if len(r.errs) == 0 {
				validateInto(ctx, v, r, out, files)
			}
		}
	}
	checkUnique(recs)
	return out, report(recs)
}

// collect appends the entries of one list, and recursively their nested lists.
func collect(kd *kind, list any, parent *record, parentField string, recs *[]*record) error {
	if list == nil {
		return nil
	}
	items, ok := list.([]any)
	if !ok {
		return fmt.Errorf("%w: %s: expected a list", ErrFormat, listKey(kd.entity))
	}
	for _, item := range items {
		attrs, ok := item.(map[string]any)
		if s, isString := item.(string); isString && kd.entity == store.SNIs {
			attrs, ok = map[string]any{"name": s}, true
		}
		if !ok {
			return fmt.Errorf("%w: %s: each entry must be a map", ErrFormat, listKey(kd.entity))
		}
		r := &record{kind: kd, attrs: map[string]any{}, parent: parent, parentField: parentField}
		var children []func() error
		for _, k := range sortedKeys(attrs) {
			val := attrs[k]
			if field, nested := kd.nested[k]; nested {
				child := kinds[k]
				children = append(children, func() error { return collect(child, val, r, field, recs) })
				continue
			}
			if k == "_comment" || k == "_ignore" {
				continue
			}
			r.attrs[k] = val
		}
		*recs = append(*recs, r)
		for _, c := range children {
			if err := c(); err != nil {
				return err
			}
		}
	}
	return nil
}

// sortedKeys makes the walk, and so the error report and which of two duplicates is
// reported, the same on every load of a file.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// resolve turns every foreign key of r, written as a name, an id or {"id": ...}, into
// {"id": ...} of an entity of the file, or reports it.
func resolve(r *record, byEntity map[string][]*record, external bool) {
	if r.parent != nil {
		r.attrs[r.parentField] = map[string]any{"id": r.parent.id()}
	}
	for _, rel := range store.ForeignKeysOf(r.kind.entity) {
		val, ok := r.attrs[rel.Field]
		if !ok || val == nil || (r.parent != nil && rel.Field == r.parentField) {
			continue
		}
		ref := refString(val)
		if target := find(byEntity[rel.Parent], rel.Parent, ref); target != nil {
			r.attrs[rel.Field] = map[string]any{"id": target.id()}
			continue
		}
		if external && schema.IsUUID(ref) {
			r.attrs[rel.Field] = map[string]any{"id": ref}
			continue
		}
		r.errs = append(r.errs, FieldError{Field: rel.Field, Type: "reference",
			Message: fmt.Sprintf("invalid reference '%s: %s' (no such entry in '%s')", rel.Field, ref, listKey(rel.Parent))})
	}
}

// refString reads a reference: "name-or-id", {"id": ...}, {"name": ...} or {"username": ...}.
func refString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		for _, k := range []string{"id", "name", "username"} {
			if s, ok := t[k].(string); ok {
				return s
			}
		}
	}
	return fmt.Sprint(v)
}

// find returns the record of entity whose id or endpoint key is ref.
func find(recs []*record, entity, ref string) *record {
	key := store.EndpointKeys[entity]
	for _, r := range recs {
		if r.id() == ref {
			return r
		}
		if key != "" && r.attrs[key] == ref {
			return r
		}
	}
	return nil
}

// adoptStoredID gives an entity written without an id the id of the stored entity
// with the same endpoint key, if there is one.
func adoptStoredID(ctx context.Context, r *record, existing func(context.Context, string, string, string) (string, bool, error)) error {
	key := store.EndpointKeys[r.kind.entity]
	value, _ := r.attrs[key].(string)
	if existing == nil || key == "" || value == "" || r.id() != "" {
		return nil
	}
	id, found, err := existing(ctx, r.kind.entity, key, value)
	if err != nil {
		return fmt.Errorf("look up %s %s=%q: %w", r.kind.entity, key, value, err)
	}
	if found {
		r.attrs["id"] = id
	}
	return nil
}

// assignID gives an entity written without an id a stable one, derived from what
// identifies it: its endpoint key, its composite unique key, else its whole content.
func assignID(r *record) {
	if id, ok := r.attrs["id"].(string); ok && id != "" {
		return
	}
	r.attrs["id"] = uuid.NewSHA1(idNamespace, []byte(r.kind.entity+"\x00"+naturalKey(r))).String()
}

func naturalKey(r *record) string {
	e := r.kind.entity
	if k := store.EndpointKeys[e]; k != "" && r.attrs[k] != nil {
		return k + "=" + fmt.Sprint(r.attrs[k])
	}
	for _, u := range store.UniquesOf(e) {
		if len(u.Fields) < 2 {
			continue
		}
		parts := make([]string, len(u.Fields))
		for i, f := range u.Fields {
			v := r.attrs[f]
			if f == "target" {
				v = store.NormalizeTarget(fmt.Sprint(v))
			}
			parts[i] = f + "=" + refString(v)
		}
		return strings.Join(parts, "&")
	}
	b, _ := json.Marshal(r.attrs) // map keys are sorted: the same content, the same id
	return string(b)
}

// validateInto validates r with the same rules as the Admin API and appends it to out.
func validateInto(ctx context.Context, v *store.Validator, r *record, out *store.Export, files *fileModules) {
	var err error
	switch r.kind.entity {
	case store.Services:
		err = add(r, &out.Services)(v.Service(r.attrs))
	case store.Routes:
		err = add(r, &out.Routes)(v.Route(r.attrs))
	case store.Consumers:
		err = add(r, &out.Consumers)(v.Consumer(r.attrs))
	case store.Plugins:
		err = add(r, &out.Plugins)(v.Plugin(ctx, r.attrs))
	case store.Upstreams:
		err = add(r, &out.Upstreams)(v.Upstream(r.attrs))
	case store.Targets:
		err = add(r, &out.Targets)(v.Target(r.attrs))
	case store.Certificates:
		err = add(r, &out.Certificates)(v.Certificate(r.attrs))
	case store.SNIs:
		err = add(r, &out.SNIs)(v.SNI(r.attrs))
	case store.CACertificates:
		err = add(r, &out.CACertificates)(v.CACertificate(r.attrs))
	case store.KeyAuthCredentials:
		err = add(r, &out.KeyAuthCredentials)(v.KeyAuthCredential(r.attrs))
	case store.JWTSecrets:
		err = add(r, &out.JWTSecrets)(v.JWTSecret(r.attrs))
	case store.BasicAuthCredentials:
		err = add(r, &out.BasicAuthCredentials)(v.BasicAuthCredential(r.attrs))
	case store.ACLs:
		err = add(r, &out.ACLs)(v.ACL(r.attrs))
	case store.HMACAuthCredentials:
		err = add(r, &out.HMACAuthCredentials)(v.HMACAuthCredential(r.attrs))
	case store.Vaults:
		err = add(r, &out.Vaults)(v.Vault(r.attrs))
	case store.KeySets:
		err = add(r, &out.KeySets)(v.KeySet(r.attrs))
	case store.Keys:
		err = add(r, &out.Keys)(v.Key(r.attrs))
	case store.WasmModules:
		err = addModule(v, r, out, files)
	}
	if err == nil {
		return
	}
	var se *store.Error
	if errors.As(err, &se) {
		flattenFields("", any(se.Fields), &r.errs)
		if len(r.errs) == 0 {
			r.errs = append(r.errs, FieldError{Message: se.Message, Type: "entity"})
		}
		return
	}
	r.errs = append(r.errs, FieldError{Message: err.Error(), Type: "entity"})
}

// add appends a validated entity to its list and keeps its validated attributes on
// the record, for the uniqueness check.
func add[T any](r *record, list *[]T) func(*T, error) error {
	return func(e *T, err error) error {
		if err != nil {
			return err
		}
		*list = append(*list, *e)
		attrs, err := store.Attributes(e)
		if err != nil {
			return err
		}
		r.attrs = attrs
		return nil
	}
}

// addModule reads a module's base64 binary (db_export's `binary`) beside its metadata.
func addModule(v *store.Validator, r *record, out *store.Export, files *fileModules) error {
	in := map[string]any{}
	for k, val := range r.attrs {
		if k != "binary" {
			in[k] = val
		}
	}
	s, _ := r.attrs["binary"].(string)
	bin, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(bin) == 0 {
		return store.SchemaViolation(map[string]any{"binary": "expected the module binary, base64-encoded"})
	}
	m, err := v.WasmModule(in)
	if err != nil {
		return err
	}
	out.WasmModules = append(out.WasmModules, store.ExportedModule{WasmModule: *m, Binary: bin})
	files.byName[m.Name] = m
	return nil
}

// checkUnique reports entities whose unique values an earlier entity of the file
// already declared.
func checkUnique(recs []*record) {
	seen := map[string]bool{}
	for _, r := range recs {
		if len(r.errs) > 0 {
			continue
		}
		for _, u := range store.UniquesOf(r.kind.entity) {
			vals, ok := u.Values(r.attrs)
			if !ok {
				continue
			}
			b, _ := json.Marshal(vals)
			k := u.Entity + string(b)
			if seen[k] {
				r.errs = append(r.errs, FieldError{Type: "entity",
					Message: fmt.Sprintf("uniqueness violation: '%s' entity with %s already declared", listKey(u.Entity), describe(vals))})
			}
			seen[k] = true
		}
		if seen[r.kind.entity+"#"+r.id()] {
			r.errs = append(r.errs, FieldError{Field: "id", Type: "entity", Message: "uniqueness violation: id " + r.id() + " already declared"})
		}
		seen[r.kind.entity+"#"+r.id()] = true
	}
}

func describe(vals map[string]any) string {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s set to '%s'", k, refString(vals[k])))
	}
	return strings.Join(parts, ", ")
}

// report gathers the errors of every record, or nil.
func report(recs []*record) error {
	var out []EntityError
	for _, r := range recs {
		if len(r.errs) == 0 {
			continue
		}
		name := ""
		if k := store.EndpointKeys[r.kind.entity]; k != "" {
			name, _ = r.attrs[k].(string)
		}
		out = append(out, EntityError{EntityType: r.kind.typeName, EntityName: name, EntityID: r.id(), Entity: r.attrs, Errors: r.errs})
	}
	if out == nil {
		return nil
	}
	return &Errors{Entities: out}
}

// fileModules resolves plugin names against the file's modules, then the database's.
type fileModules struct {
	store.Reads[store.WasmModule]
	base   store.Reads[store.WasmModule]
	byName map[string]*store.WasmModule
}

func (f *fileModules) GetBy(ctx context.Context, field, value string) (*store.WasmModule, error) {
	if m, ok := f.byName[value]; ok && field == "name" {
		return m, nil
	}
	if f.base != nil {
		return f.base.GetBy(ctx, field, value)
	}
	return nil, fmt.Errorf("wasm module %s: %w", value, store.ErrNotFound)
}

// prehashPasswords hashes the basic-auth passwords of a file on every core at once:
// bcrypt costs tens of milliseconds a password by design, so a file with thousands of
// credentials would otherwise take minutes. Hashes already in the file (an export) are
// kept as they are.
func prehashPasswords(recs []*record) error {
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	for i, r := range recs {
		p, ok := r.attrs["password"].(string)
		if !ok || p == "" {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			h, err := store.HashPassword(p)
			if err != nil {
				errs[i] = err
				return
			}
			r.attrs["password"] = h
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
