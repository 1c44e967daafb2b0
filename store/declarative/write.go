package declarative

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/weir-gateway/weir/store"
)

// Encode writes a configuration as indented JSON, or as YAML when asYAML. YAML goes
// through the JSON form so both carry the same field names and nulls.
func Encode(w io.Writer, e *store.Export, asYAML bool) error {
	if !asYAML {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(e)
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(tree); err != nil {
		return err
	}
	return enc.Close()
}

// IsYAML says whether a file name asks for YAML (.yml, .yaml).
func IsYAML(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yml" || ext == ".yaml"
}

// WriteFile replaces the file at path with the configuration, atomically: it is
// written to a temporary file in the same directory, synced, and renamed over path,
// so a reader (or a node starting after a crash) sees the old file or the new one,
// never a part. It returns the bytes written.
func WriteFile(path string, e *store.Export) ([]byte, error) {
	var buf bytes.Buffer
	if err := Encode(&buf, e, IsYAML(path)); err != nil {
		return nil, fmt.Errorf("encode %s: %w", path, err)
	}
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	return buf.Bytes(), nil
}

// Changes counts what replacing one configuration by another does to one entity list.
type Changes struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Deleted   int `json:"deleted"`
	Unchanged int `json:"unchanged"`
}

// Diff compares two configurations entity by entity (by id; timestamps ignored) and
// counts the changes per list key (services, routes, ...), leaving out lists empty in
// both. Module binaries count through their sha256.
func Diff(old, new *store.Export) (map[string]Changes, error) {
	a, err := byID(old)
	if err != nil {
		return nil, err
	}
	b, err := byID(new)
	if err != nil {
		return nil, err
	}
	out := map[string]Changes{}
	for list, after := range b {
		before := a[list]
		var c Changes
		for id, e := range after {
			prev, ok := before[id]
			switch {
			case !ok:
				c.Created++
			case reflect.DeepEqual(prev, e):
				c.Unchanged++
			default:
				c.Updated++
			}
		}
		for id := range before {
			if _, ok := after[id]; !ok {
				c.Deleted++
			}
		}
		if c != (Changes{}) {
			out[list] = c
		}
	}
	for list, before := range a {
		if _, ok := b[list]; !ok && len(before) > 0 {
			out[list] = Changes{Deleted: len(before)}
		}
	}
	return out, nil
}

// Unchanged says whether a diff changes nothing.
func Unchanged(d map[string]Changes) bool {
	for _, c := range d {
		if c.Created+c.Updated+c.Deleted > 0 {
			return false
		}
	}
	return true
}

// byID indexes each entity list of an export by id, without timestamps or binaries.
func byID(e *store.Export) (map[string]map[string]map[string]any, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode configuration: %w", err)
	}
	var lists map[string]any
	if err := json.Unmarshal(raw, &lists); err != nil {
		return nil, fmt.Errorf("decode configuration: %w", err)
	}
	out := map[string]map[string]map[string]any{}
	for key, v := range lists {
		items, ok := v.([]any)
		if !ok {
			continue
		}
		m := map[string]map[string]any{}
		for _, it := range items {
			ent, _ := it.(map[string]any)
			id, _ := ent["id"].(string)
			delete(ent, "created_at")
			delete(ent, "updated_at")
			delete(ent, "binary")
			m[id] = ent
		}
		out[key] = m
	}
	return out, nil
}
