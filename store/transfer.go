package store

import (
	"context"
	"errors"
	"fmt"
)

// FormatVersion is the _format_version of an export: Kong's declarative format
// version, whose top-level entity lists it follows.
const FormatVersion = "3.0"

// Export is a whole configuration in a form any backend can load: Kong's entity JSON
// in flat lists, with each module's binary beside its metadata.
type Export struct {
	FormatVersion        string                `json:"_format_version"`
	Services             []Service             `json:"services"`
	Routes               []Route               `json:"routes"`
	Consumers            []Consumer            `json:"consumers"`
	Plugins              []Plugin              `json:"plugins"`
	KeyAuthCredentials   []KeyAuthCredential   `json:"keyauth_credentials"`
	WasmModules          []ExportedModule      `json:"wasm_modules"`
	Upstreams            []Upstream            `json:"upstreams"`
	Targets              []Target              `json:"targets"`
	JWTSecrets           []JWTSecret           `json:"jwt_secrets"`
	BasicAuthCredentials []BasicAuthCredential `json:"basicauth_credentials"`
	ACLs                 []ACL                 `json:"acls"`
	HMACAuthCredentials  []HMACAuthCredential  `json:"hmacauth_credentials"`
	Certificates         []Certificate         `json:"certificates"`
	SNIs                 []SNI                 `json:"snis"`
	CACertificates       []CACertificate       `json:"ca_certificates"`
	Vaults               []Vault               `json:"vaults"`
	KeySets              []KeySet              `json:"key_sets"`
	Keys                 []Key                 `json:"keys"`
}

// ExportedModule is an uploaded module with its binary (base64 in JSON).
type ExportedModule struct {
	WasmModule
	Binary []byte `json:"binary"`
}

// ExportFrom reads every entity of s in one consistent read, and the module binaries.
func ExportFrom(ctx context.Context, s Store) (*Export, error) {
	ds, err := s.Dataset(ctx)
	if err != nil {
		return nil, err
	}
	out := &Export{FormatVersion: FormatVersion, Services: ds.Services, Routes: ds.Routes, Consumers: ds.Consumers,
		Plugins: ds.Plugins, KeyAuthCredentials: ds.KeyAuthCredentials, Upstreams: ds.Upstreams, Targets: ds.Targets,
		JWTSecrets: ds.JWTSecrets, BasicAuthCredentials: ds.BasicAuthCredentials, ACLs: ds.ACLs, HMACAuthCredentials: ds.HMACAuthCredentials,
		Certificates: ds.Certificates, SNIs: ds.SNIs, CACertificates: ds.CACertificates,
		Vaults: ds.Vaults, KeySets: ds.KeySets, Keys: ds.Keys}
	for _, m := range ds.WasmModules {
		bin, err := s.WasmBinary(ctx, m.SHA256)
		if err != nil {
			return nil, fmt.Errorf("export module %s: %w", m.Name, err)
		}
		out.WasmModules = append(out.WasmModules, ExportedModule{WasmModule: m, Binary: bin})
	}
	return out, nil
}

// BulkWriter is a store that takes a long run of writes faster when told so, at the
// cost of durability until the run ends: a crash in between may lose the last writes,
// which an import, safe to run again, can afford.
type BulkWriter interface {
	// Bulk starts the run; done ends it and makes every write durable.
	Bulk() (done func() error)
}

// ImportInto writes every entity of e into s, parents before children. An entity whose
// id is already stored is replaced, so an import that stopped half-way (each entity is
// its own transaction) completes when run again. Constraints are the store's as for
// any write; entities are not revalidated, since an export holds only stored ones.
func ImportInto(ctx context.Context, s Store, e *Export) (n int, err error) {
	if e.FormatVersion != FormatVersion {
		return 0, fmt.Errorf("_format_version %q: expected %q", e.FormatVersion, FormatVersion)
	}
	if b, ok := s.(BulkWriter); ok {
		done := b.Bulk()
		defer func() {
			if derr := done(); err == nil {
				err = derr
			}
		}()
	}
	for _, m := range e.WasmModules {
		if err := upsert(ctx, s.WasmModules(), &m.WasmModule, func() error { return s.WasmModules().Insert(ctx, &m.WasmModule, m.Binary) },
			func() error { return s.WasmModules().Update(ctx, &m.WasmModule, m.Binary) }); err != nil {
			return n, fmt.Errorf("import wasm module %s: %w", m.Name, err)
		}
		n++
	}
	steps := []func() (int, error){
		func() (int, error) {
			return importAll(ctx, s.Vaults(), e.Vaults, func(v *Vault) string { return v.ID })
		},
		func() (int, error) {
			return importAll(ctx, s.KeySets(), e.KeySets, func(v *KeySet) string { return v.ID })
		},
		func() (int, error) { return importAll(ctx, s.Keys(), e.Keys, func(v *Key) string { return v.ID }) },
		func() (int, error) {
			return importAll(ctx, s.Certificates(), e.Certificates, func(v *Certificate) string { return v.ID })
		},
		func() (int, error) { return importAll(ctx, s.SNIs(), e.SNIs, func(v *SNI) string { return v.ID }) },
		func() (int, error) {
			return importAll(ctx, s.CACertificates(), e.CACertificates, func(v *CACertificate) string { return v.ID })
		},
		func() (int, error) {
			return importAll(ctx, s.Services(), e.Services, func(v *Service) string { return v.ID })
		},
		func() (int, error) {
			return importAll(ctx, s.Routes(), e.Routes, func(v *Route) string { return v.ID })
		},
		func() (int, error) {
			return importAll(ctx, s.Consumers(), e.Consumers, func(v *Consumer) string { return v.ID })
		},
		func() (int, error) {
			return importAll(ctx, s.Plugins(), e.Plugins, func(v *Plugin) string { return v.ID })
		},
		func() (int, error) {
			return importAll(ctx, s.KeyAuthCredentials(), e.KeyAuthCredentials, func(v *KeyAuthCredential) string { return v.ID })
		},
		func() (int, error) {
			return importAll(ctx, s.Upstreams(), e.Upstreams, func(v *Upstream) string { return v.ID })
		},
		func() (int, error) {
			return importAll(ctx, s.Targets(), e.Targets, func(v *Target) string { return v.ID })
		},
		func() (int, error) {
			return importAll(ctx, s.JWTSecrets(), e.JWTSecrets, func(v *JWTSecret) string { return v.ID })
		},
		func() (int, error) {
			return importAll(ctx, s.BasicAuthCredentials(), e.BasicAuthCredentials, func(v *BasicAuthCredential) string { return v.ID })
		},
		func() (int, error) { return importAll(ctx, s.ACLs(), e.ACLs, func(v *ACL) string { return v.ID }) },
		func() (int, error) {
			return importAll(ctx, s.HMACAuthCredentials(), e.HMACAuthCredentials, func(v *HMACAuthCredential) string { return v.ID })
		},
	}
	for _, step := range steps {
		done, err := step()
		n += done
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func importAll[T any](ctx context.Context, t Table[T], list []T, id func(*T) string) (int, error) {
	for i := range list {
		e := &list[i]
		err := upsert(ctx, t, e, func() error { return t.Insert(ctx, e) }, func() error { return t.Update(ctx, e) })
		if err != nil {
			return i, fmt.Errorf("import %s: %w", id(e), err)
		}
	}
	return len(list), nil
}

// upsert updates the entity when its id is stored, else inserts it.
func upsert[T any](ctx context.Context, r Reads[T], e *T, insert, update func() error) error {
	attrs, err := Attributes(e)
	if err != nil {
		return err
	}
	id, _ := attrs["id"].(string)
	if _, err := r.Get(ctx, id); err == nil {
		return update()
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	return insert()
}
