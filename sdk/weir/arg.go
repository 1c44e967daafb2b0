package weir

import (
	"encoding/json"
	"strings"
)

// ArgKind says what a request holds under one name, in the terms of Kong's PDK, which
// answers nil, a string, a table (several values) or another Lua value (a bare query
// flag, a JSON number).
type ArgKind int

// The kinds of Arg.
const (
	ArgAbsent ArgKind = iota // nothing under that name
	ArgString                // exactly one string: Arg.Value
	ArgList                  // several values (a repeated header or argument, a JSON array or object)
	ArgOther                 // something that is not a string: a query flag without '=', a JSON number, boolean or null
)

// Arg is what one place of a request (a header, a query argument, a body field) holds
// under one name. Plugins that read credentials use the kind to tell a missing value
// from a duplicate, as Kong's auth plugins do.
type Arg struct {
	Kind  ArgKind
	Value string // the string when Kind is ArgString
}

// argOf turns the string values found under a name into an Arg.
func argOf(vals []string) Arg {
	switch len(vals) {
	case 0:
		return Arg{}
	case 1:
		return Arg{Kind: ArgString, Value: vals[0]}
	}
	return Arg{Kind: ArgList}
}

// HeaderArg looks name up in headers as ngx.req.get_headers does: case-insensitively,
// with underscores in name read as dashes.
func HeaderArg(headers [][2]string, name string) Arg {
	want := headerArgName(name)
	var a Arg
	for _, h := range headers {
		if strings.EqualFold(h[0], want) {
			if a.Kind != ArgAbsent {
				return Arg{Kind: ArgList}
			}
			a = Arg{Kind: ArgString, Value: h[1]}
		}
	}
	return a
}

// headerArgName is name as HeaderArg looks it up: lower-case, underscores read as
// dashes.
func headerArgName(name string) string { return strings.ReplaceAll(strings.ToLower(name), "_", "-") }

// Query is a raw query string (what follows '?' in a request's :path), read the way
// ngx.req.get_uri_args reads it. Its methods keep the arguments they do not touch byte
// for byte.
type Query string

// Arg looks an argument up. `?name` without '=' is a flag (ArgOther); a flag next to
// values, or a repeated argument, is ArgList. Names and values are percent-decoded
// ('+' is a space); a malformed escape is kept as it is.
func (q Query) Arg(name string) Arg {
	var vals []string
	flag := false
	for _, part := range q.parts() {
		k, v, hasValue := strings.Cut(part, "=")
		if unescape(k) != name {
			continue
		}
		if !hasValue {
			flag = true
			continue
		}
		vals = append(vals, unescape(v))
	}
	switch {
	case flag && len(vals) == 0:
		return Arg{Kind: ArgOther}
	case flag:
		return Arg{Kind: ArgList}
	}
	return argOf(vals)
}

// Get returns the first value of an argument ("" when absent or a flag).
func (q Query) Get(name string) string {
	for _, part := range q.parts() {
		if k, v, _ := strings.Cut(part, "="); unescape(k) == name {
			return unescape(v)
		}
	}
	return ""
}

// Without returns the query with every argument called name removed.
func (q Query) Without(name string) Query {
	var kept []string
	for _, part := range q.parts() {
		if k, _, _ := strings.Cut(part, "="); unescape(k) != name {
			kept = append(kept, part)
		}
	}
	return Query(strings.Join(kept, "&"))
}

// With returns the query with name set to value, replacing any argument of that name.
func (q Query) With(name, value string) Query {
	arg := escape(name) + "=" + escape(value)
	if rest := q.Without(name); rest != "" {
		return rest + "&" + Query(arg)
	}
	return Query(arg)
}

func (q Query) parts() []string {
	if q == "" {
		return nil
	}
	return strings.Split(string(q), "&")
}

// Body is a request or response body parsed by its content type: a form
// (application/x-www-form-urlencoded) or a JSON object (application/json). Any other
// body, an empty one, or one that does not parse, has no fields, as Kong's get_body
// failing does.
type Body struct {
	form map[string][]string
	json map[string]json.RawMessage
}

// ParseBody parses raw according to contentType.
func ParseBody(contentType string, raw []byte) Body {
	if len(raw) == 0 {
		return Body{}
	}
	switch mediaType(contentType) {
	case "application/x-www-form-urlencoded":
		if form, err := parseForm(string(raw)); err == nil {
			return Body{form: form}
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil && obj != nil {
			return Body{json: obj}
		}
	}
	return Body{}
}

// Arg looks a field up: a form field by its values; a JSON string is ArgString, an
// array or object ArgList, anything else ArgOther.
func (b Body) Arg(name string) Arg {
	if b.form != nil {
		return argOf(b.form[name])
	}
	raw, ok := b.json[name]
	if !ok {
		return Arg{}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return Arg{Kind: ArgString, Value: s}
	}
	if len(raw) > 0 && (raw[0] == '[' || raw[0] == '{') {
		return Arg{Kind: ArgList}
	}
	return Arg{Kind: ArgOther}
}

// Parsed reports whether the body was a form or a JSON object.
func (b Body) Parsed() bool { return b.form != nil || b.json != nil }

// Without re-encodes the body with the field removed (a form's fields come out sorted
// by name, a JSON object's keys too); ok is false when the body has no fields to
// rewrite.
func (b Body) Without(name string) (out []byte, ok bool) {
	switch {
	case b.form != nil:
		form := make(map[string][]string, len(b.form))
		for k, v := range b.form {
			if k != name {
				form[k] = v
			}
		}
		return []byte(encodeForm(form)), true
	case b.json != nil:
		obj := make(map[string]json.RawMessage, len(b.json))
		for k, v := range b.json {
			if k != name {
				obj[k] = v
			}
		}
		out, err := json.Marshal(obj)
		return out, err == nil
	}
	return nil, false
}
