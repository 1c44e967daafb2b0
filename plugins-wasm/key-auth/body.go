package main

import (
	"encoding/json"
	"mime"
	"net/url"
)

// body is a parsed request body, in one of the two formats key-auth reads keys from:
// application/x-www-form-urlencoded or application/json (a top-level object). Any other
// body, or one that does not parse, has no fields, as Kong's get_body failing does.
type body struct {
	form url.Values
	json map[string]json.RawMessage
}

func parseBody(contentType string, raw []byte) body {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/x-www-form-urlencoded":
		if form, err := url.ParseQuery(string(raw)); err == nil {
			return body{form: form}
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			return body{json: obj}
		}
	}
	return body{}
}

// field looks a key name up: a JSON string or a single form value is a key; an array,
// an object or a repeated form field counts as a duplicate.
func (b body) field(name string) value {
	if b.form != nil {
		return fromList(b.form[name])
	}
	raw, ok := b.json[name]
	if !ok {
		return value{}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return value{kind: single, s: s}
	}
	if len(raw) > 0 && (raw[0] == '[' || raw[0] == '{') {
		return value{kind: multiple}
	}
	return value{kind: other}
}

// without re-encodes the body with the field removed; ok is false when there is
// nothing to rewrite.
func (b body) without(name string) ([]byte, bool) {
	switch {
	case b.form != nil:
		b.form.Del(name)
		return []byte(b.form.Encode()), true
	case b.json != nil:
		delete(b.json, name)
		out, err := json.Marshal(b.json)
		return out, err == nil
	}
	return nil, false
}
