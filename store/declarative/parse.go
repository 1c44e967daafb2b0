// Package declarative reads Kong's declarative configuration (`_format_version: "3.0"`,
// YAML or JSON, as decK dumps it and `kong config db_export` writes it): entity lists at
// the top level or nested under their parent, references by name or id. Load turns a
// file into validated entities with stable ids, reporting every invalid entity at once
// in Kong's flattened-errors shape, so `weir config parse`, `db_import` and DB-less
// `POST /config` all accept and refuse the same files.
package declarative

import (
	"bytes"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"
)

// FormatVersion is the only _format_version weir reads: Kong 3's. Files of the older
// versions need Kong's path migration (`~` for regexes), which `deck file convert` does.
const FormatVersion = "3.0"

// ErrFormat marks a file that is not a declarative configuration weir can read.
var ErrFormat = errors.New("invalid declarative configuration")

// Parse decodes YAML or JSON (JSON is YAML) into a tree of maps, slices and scalars as
// encoding/json would produce them, and checks the top-level keys.
func Parse(data []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrFormat)
	}
	var raw any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	// Every node of a file takes at least one byte of it, unless YAML aliases repeat
	// nodes: a file that expands past its size is an alias bomb, refused before any
	// entity is looked at.
	if n := countNodes(raw); n > len(data)+16 {
		return nil, fmt.Errorf("%w: YAML aliases expand the file to %d values; write the entities out instead", ErrFormat, n)
	}
	tree, ok := normalize(raw).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: expected a map of entity lists at the top level", ErrFormat)
	}
	switch v := tree["_format_version"].(type) {
	case string:
		if v != FormatVersion {
			return nil, fmt.Errorf("%w: _format_version %q is not supported; expected %q (convert older files with 'deck file convert')", ErrFormat, v, FormatVersion)
		}
	case nil:
		return nil, fmt.Errorf("%w: _format_version: required field missing", ErrFormat)
	default:
		return nil, fmt.Errorf("%w: _format_version: expected a string such as \"3.0\"", ErrFormat)
	}
	for k := range tree {
		if _, ok := kinds[k]; !ok && !metaKeys[k] {
			return nil, fmt.Errorf("%w: %s: unknown entity type", ErrFormat, k)
		}
	}
	return tree, nil
}

// metaKeys are top-level keys that are not entity lists.
var metaKeys = map[string]bool{"_format_version": true, "_transform": true, "_comment": true, "_ignore": true, "_info": true, "_workspace": true}

// countNodes counts the values of a decoded document.
func countNodes(v any) int {
	n := 1
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			n += countNodes(e)
		}
	case map[any]any:
		for _, e := range t {
			n += countNodes(e)
		}
	case []any:
		for _, e := range t {
			n += countNodes(e)
		}
	}
	return n
}

// normalize turns YAML's decoded values into encoding/json's: map[string]any, []any,
// float64 numbers.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
		return t
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	}
	return v
}
