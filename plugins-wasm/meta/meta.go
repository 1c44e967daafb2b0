// Package meta reads and writes a plugin's metadata in its .wasm: a custom section
// named "weir.plugin" holding the plugin's schema.json (name, version, priority and
// config schema, the format of the built-ins' schema.json). `weir plugin build` adds
// it; the Admin API reads it when a module is uploaded. Custom sections are ignored by
// every wasm engine, so the module still runs in any proxy-wasm host.
package meta

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// SectionName names the custom section.
const SectionName = "weir.plugin"

// Sentinel errors.
var (
	ErrNotWasm   = errors.New("not a wasm binary module")
	ErrMalformed = errors.New("malformed wasm section")
)

// Meta is the part of the section the gateway acts on; Schema is the whole document.
type Meta struct {
	Name     string          `json:"name"`
	Version  string          `json:"version"`
	Priority int             `json:"priority"`
	Schema   json.RawMessage `json:"-"`
}

var header = []byte{0, 'a', 's', 'm', 1, 0, 0, 0}

// Parse reads a schema.json document: a JSON object with at least a name.
func Parse(doc []byte) (*Meta, error) {
	var m Meta
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, fmt.Errorf("plugin metadata: %w", err)
	}
	if m.Name == "" {
		return nil, errors.New("plugin metadata: name is missing")
	}
	m.Schema = append(json.RawMessage(nil), doc...)
	return &m, nil
}

// Append returns wasm with doc added as the weir.plugin section, replacing one that is
// there already. doc is checked with Parse first.
func Append(wasm, doc []byte) ([]byte, error) {
	if _, err := Parse(doc); err != nil {
		return nil, err
	}
	out, err := without(wasm, SectionName)
	if err != nil {
		return nil, err
	}
	payload := appendName(nil, SectionName)
	payload = append(payload, doc...)
	out = append(out, 0)
	out = binary.AppendUvarint(out, uint64(len(payload)))
	return append(out, payload...), nil
}

// Read returns the module's metadata, or nil when it has no weir.plugin section.
func Read(wasm []byte) (*Meta, error) {
	var found []byte
	err := sections(wasm, func(id byte, name string, payload []byte) {
		if id == 0 && name == SectionName {
			found = payload
		}
	})
	if err != nil || found == nil {
		return nil, err
	}
	return Parse(found)
}

// without copies wasm leaving out the custom sections called name.
func without(wasm []byte, name string) ([]byte, error) {
	out := append([]byte(nil), header...)
	pos := len(header)
	err := sections(wasm, func(id byte, n string, payload []byte) {
		start := pos
		pos = sectionEnd(wasm, pos)
		if id != 0 || n != name {
			out = append(out, wasm[start:pos]...)
		}
	})
	return out, err
}

// sectionEnd is the offset after the (well-formed) section starting at pos.
func sectionEnd(wasm []byte, pos int) int {
	size, n := binary.Uvarint(wasm[pos+1:])
	return pos + 1 + n + int(size)
}

// sections walks the module's sections; name is set for custom sections (id 0) and
// payload is what follows the name.
func sections(wasm []byte, f func(id byte, name string, payload []byte)) error {
	if len(wasm) < len(header) || !bytes.Equal(wasm[:len(header)], header) {
		return ErrNotWasm
	}
	rest := wasm[len(header):]
	for len(rest) > 0 {
		id := rest[0]
		size, n := binary.Uvarint(rest[1:])
		if n <= 0 || size > uint64(len(rest)-1-n) {
			return ErrMalformed
		}
		body := rest[1+n : 1+n+int(size)]
		rest = rest[1+n+int(size):]
		var name string
		if id == 0 {
			l, m := binary.Uvarint(body)
			if m <= 0 || l > uint64(len(body)-m) {
				return ErrMalformed
			}
			name, body = string(body[m:m+int(l)]), body[m+int(l):]
		}
		f(id, name, body)
	}
	return nil
}

func appendName(b []byte, name string) []byte {
	b = binary.AppendUvarint(b, uint64(len(name)))
	return append(b, name...)
}
