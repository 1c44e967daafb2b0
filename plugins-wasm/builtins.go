// Package pluginswasm carries weir's built-in plugins: one folder each, written in Go
// with the sdk, compiled to wasm by `make plugins` into dist/ and embedded here.
//
// Each folder holds main.go (the plugin) and schema.json: its name, version, priority,
// the scopes it refuses, and its config schema in the field format Kong's
// /schemas/plugins/{name} uses, with a description for every field.
package pluginswasm

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed */schema.json
var schemas embed.FS

//go:embed all:dist
var dist embed.FS

// Builtin is one built-in plugin as the gateway loads it.
type Builtin struct {
	Name     string
	Version  string
	Priority int
	// Schema is the plugin's whole schema.json.
	Schema json.RawMessage
	// Module is the compiled wasm; nil when `make plugins` has not built it.
	Module []byte
}

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
	out := make([]Builtin, 0, len(files))
	for _, f := range files {
		b, err := load(f)
		if err != nil {
			return nil, err
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
	module, err := dist.ReadFile("dist/" + head.Name + ".wasm")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Builtin{}, fmt.Errorf("read %s.wasm: %w", head.Name, err)
	}
	return Builtin{Name: head.Name, Version: head.Version, Priority: head.Priority, Schema: raw, Module: module}, nil
}
