// Package pluginswasm carries weir's built-in plugins: one folder each, with its
// schema.json and its source. Most are written in Go with the sdk and compiled by
// `make plugins` into one wasm module, dist/bundle.wasm; those whose cost per request
// matters most (RustBuiltins) are written in Rust (plugin.rs) and compiled into a
// second module, bundle-rust/bundle-rust.wasm, committed so that weir builds with Go
// alone. Both are embedded here. In each module a plugin is served to the root contexts
// whose root id is its name.
//
// Each folder holds the plugin's source (plugin.go, whose package's init registers it,
// or plugin.rs, a module of bundle-rust/lib.rs) and schema.json: its name, version,
// priority, the scopes it refuses, and its config schema in the field format Kong's
// /schemas/plugins/{name} uses, with a description for every field. bundle/ is the Go
// module's main package, importing every Go plugin.
package pluginswasm

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
)

//go:embed */schema.json
var schemas embed.FS

//go:embed all:dist
var dist embed.FS

//go:embed bundle-rust/bundle-rust.wasm
var bundleRust []byte

// RustBuiltins are the built-ins bundle-rust serves (each a plugin.rs in its folder).
var RustBuiltins = []string{"key-auth", "rate-limiting", "request-transformer", "response-transformer"}

// Builtin is one built-in plugin as the gateway loads it.
type Builtin struct {
	Name     string
	Version  string
	Priority int
	// Schema is the plugin's whole schema.json.
	Schema json.RawMessage
	// Module is the wasm module that serves the plugin, with the plugin's Name as the
	// root id: the Go bundle or bundle-rust, the same bytes for every built-in of one
	// module. nil for a Go built-in when `make plugins` has not built the bundle.
	Module []byte
}

// BundleFile is the bundle module's path in dist/.
const BundleFile = "bundle.wasm"

// schemaHead is the part of schema.json the loader itself reads.
type schemaHead struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Priority int    `json:"priority"`
}

// ErrNotBuilt says a built-in's wasm is missing from the binary.
var ErrNotBuilt = errors.New("built-in plugin not compiled to wasm (run `make plugins`)")

// Builtins lists every built-in plugin, sorted by name.
func Builtins() ([]Builtin, error) {
	files, err := fs.Glob(schemas, "*/schema.json")
	if err != nil {
		return nil, fmt.Errorf("list built-in schemas: %w", err)
	}
	bundle, err := dist.ReadFile("dist/" + BundleFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", BundleFile, err)
	}
	out := make([]Builtin, 0, len(files))
	for _, f := range files {
		b, err := load(f)
		if err != nil {
			return nil, err
		}
		b.Module = bundle
		if slices.Contains(RustBuiltins, b.Name) {
			b.Module = bundleRust
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func load(schemaFile string) (Builtin, error) {
	raw, err := schemas.ReadFile(schemaFile)
	if err != nil {
		return Builtin{}, fmt.Errorf("read %s: %w", schemaFile, err)
	}
	var head schemaHead
	if err := json.Unmarshal(raw, &head); err != nil {
		return Builtin{}, fmt.Errorf("parse %s: %w", schemaFile, err)
	}
	if head.Name != path.Dir(schemaFile) {
		return Builtin{}, fmt.Errorf("%s: name %q does not match its folder", schemaFile, head.Name)
	}
	return Builtin{Name: head.Name, Version: head.Version, Priority: head.Priority, Schema: raw}, nil
}
