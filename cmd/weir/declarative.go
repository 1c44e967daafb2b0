package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/declarative"
	"github.com/weir-gateway/weir/store/schema"
)

// builtinSchemas are the built-in plugins' schemas a declarative file is checked with.
func builtinSchemas() ([]*schema.Plugin, error) {
	bs, err := pluginswasm.Builtins()
	if err != nil {
		return nil, err
	}
	out := make([]*schema.Plugin, 0, len(bs))
	for _, b := range bs {
		p, err := schema.ParsePlugin(b.Schema)
		if err != nil {
			return nil, fmt.Errorf("built-in plugin %s: %w", b.Name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// loadFile reads and validates a declarative configuration file.
func loadFile(ctx context.Context, path string, opts declarative.Options) (*store.Export, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read declarative configuration: %w", err)
	}
	tree, err := declarative.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if opts.Builtins, err = builtinSchemas(); err != nil {
		return nil, err
	}
	e, err := declarative.Load(ctx, tree, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

// parseFile is `weir config parse`: Kong's message on success, the report otherwise.
func parseFile(ctx context.Context, path string) error {
	if path == "" {
		return fmt.Errorf("parse: which file? (weir config parse <file>)")
	}
	if _, err := loadFile(ctx, path, declarative.Options{}); err != nil {
		return err
	}
	fmt.Printf("parse successful\n")
	return nil
}

func isYAML(path string) bool { return declarative.IsYAML(path) }

// encodeExport writes an export as indented JSON or as YAML (declarative.Encode).
func encodeExport(w io.Writer, e *store.Export, asYAML bool) error {
	return declarative.Encode(w, e, asYAML)
}

// storedIDs finds stored entities by endpoint key for db_import (declarative.Options
// Existing).
func storedIDs(s store.Store) func(ctx context.Context, entity, field, value string) (string, bool, error) {
	tables := map[string]func(context.Context, string, string) (any, error){
		store.Services:             getBy(s.Services()),
		store.Routes:               getBy(s.Routes()),
		store.Consumers:            getBy(s.Consumers()),
		store.Plugins:              getBy(s.Plugins()),
		store.Upstreams:            getBy(s.Upstreams()),
		store.SNIs:                 getBy(s.SNIs()),
		store.KeyAuthCredentials:   getBy(s.KeyAuthCredentials()),
		store.JWTSecrets:           getBy(s.JWTSecrets()),
		store.BasicAuthCredentials: getBy(s.BasicAuthCredentials()),
		store.HMACAuthCredentials:  getBy(s.HMACAuthCredentials()),
		store.WasmModules:          getBy[store.WasmModule](s.WasmModules()),
	}
	return func(ctx context.Context, entity, field, value string) (string, bool, error) {
		get, ok := tables[entity]
		if !ok {
			return "", false, nil
		}
		e, err := get(ctx, field, value)
		if errors.Is(err, store.ErrNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		attrs, err := store.Attributes(e)
		if err != nil {
			return "", false, err
		}
		id, _ := attrs["id"].(string)
		return id, id != "", nil
	}
}

func getBy[T any](t store.Reads[T]) func(context.Context, string, string) (any, error) {
	return func(ctx context.Context, field, value string) (any, error) { return t.GetBy(ctx, field, value) }
}
