// Package kongjson holds what Kong's transformers need, for their Go implementations
// that the Rust built-ins are tested against (request-transformer's reference/ and
// response-transformer's reference_test.go; the built-ins have the same rules in
// plugins-wasm/bundle-rust/json.rs): reading a "name:value" config entry, and editing
// JSON the way Kong's Lua (cjson and table operations) does.
package kongjson

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Split reads a config entry as Kong does: the name up to the first ':', the value
// after the colons that follow it.
func Split(entry string) (name, value string) {
	name, value, _ = strings.Cut(entry, ":")
	return name, strings.TrimLeft(value, ":")
}

// Append is Kong's append on a JSON value: a string becomes a list of it and the new
// value, a list grows, an object gets the value under "1" (a Lua table insert), and
// anything else (absent, a number, a boolean, null) is replaced by a list of the
// value.
func Append(old, v json.RawMessage) json.RawMessage {
	old = bytes.TrimSpace(old)
	if !valid(v) {
		return Encode([]json.RawMessage{v}) // nil, as encoding/json refuses v
	}
	switch {
	case len(old) > 0 && old[0] == '"' && valid(old):
		out := appendCompact(append(make([]byte, 0, len(old)+len(v)+3), '['), old)
		return append(appendCompact(append(out, ','), v), ']')
	case len(old) > 0 && old[0] == '[' && valid(old):
		out := append(make([]byte, 0, len(old)+len(v)+2), '[')
		if inner := bytes.TrimSpace(old[1 : len(old)-1]); len(inner) > 0 {
			out = append(appendCompact(out, inner), ',')
		}
		return append(appendCompact(out, v), ']')
	case len(old) > 0 && old[0] == '"':
		return Encode([]json.RawMessage{old, v})
	case len(old) > 0 && old[0] == '[':
		var list []json.RawMessage
		if json.Unmarshal(old, &list) == nil {
			return Encode(append(list, v))
		}
	case len(old) > 0 && old[0] == '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(old, &obj) == nil {
			obj["1"] = v
			return Encode(obj)
		}
	}
	return append(appendCompact(append(make([]byte, 0, len(v)+2), '['), v), ']')
}

// valid says whether b is one JSON value (whitespace around it allowed).
func valid(b []byte) bool {
	s := scanner{b: b}
	s.space()
	if !s.value(1) {
		return json.Valid(b) // deeper than the scanner follows
	}
	s.space()
	return s.i == len(b)
}

// Encode marshals without HTML escaping (cjson does not escape <, > or &); nil when v
// cannot be encoded.
func Encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
