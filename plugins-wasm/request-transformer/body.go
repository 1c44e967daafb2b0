package main

import (
	"bytes"
	"encoding/json"
)

// opSet picks one place's lists from the config.
type opSet func(*config) (remove, rename, replace, add, appendList []string)

func opsQuery(c *config) ([]string, []string, []string, []string, []string) {
	return c.Remove.Querystring, c.Rename.Querystring, c.Replace.Querystring, c.Add.Querystring, c.Append.Querystring
}

func opsBody(c *config) ([]string, []string, []string, []string, []string) {
	return c.Remove.Body, c.Rename.Body, c.Replace.Body, c.Add.Body, c.Append.Body
}

// transformArgs runs the operations on a query or form table. full is false for an
// empty body: Kong then skips remove, rename and replace. It reports whether anything
// ran that makes Kong re-encode the body.
func (x *exchange) transformArgs(a args, c *config, ops opSet, full bool) error {
	_, err := x.transformArgsChanged(a, c, ops, full)
	return err
}

func (x *exchange) transformArgsChanged(a args, c *config, ops opSet, full bool) (bool, error) {
	remove, rename, replace, add, appendList := ops(c)
	changed := false
	if full {
		for _, e := range remove {
			name, _ := split(e)
			delete(a, name)
			changed = true
		}
		for _, e := range rename {
			old, to := split(e)
			if v := a[old]; v.set && old != to {
				delete(a, old)
				a[to] = v
				changed = true
			}
		}
		for _, e := range replace {
			name, tmpl := split(e)
			v, err := x.render(tmpl)
			if err != nil {
				return false, err
			}
			if a[name].set {
				a[name] = str(v)
				changed = true
			}
		}
	}
	for _, e := range add {
		name, tmpl := split(e)
		v, err := x.render(tmpl)
		if err != nil {
			return false, err
		}
		if !a[name].set {
			a[name] = str(v)
			changed = true
		}
	}
	for _, e := range appendList {
		name, tmpl := split(e)
		v, err := x.render(tmpl)
		if err != nil {
			return false, err
		}
		a[name] = appendValue(a[name], str(v))
		changed = true
	}
	return changed, nil
}

// transformBody rewrites a JSON, form or multipart body's fields; the content type
// is the one the header operations left.
func (x *exchange) transformBody() error {
	if !x.c.bodyOps() || !x.haveBody {
		return nil
	}
	ctValue := x.headers.get("content-type")
	if ctValue.list != nil {
		ctValue = ctValue.list[0]
	}
	raw := x.r.Body()
	var out []byte
	var changed bool
	var err error
	switch contentType(ctValue.s) {
	case ctForm:
		form := parseArgs(string(raw))
		if changed, err = x.transformArgsChanged(form, x.c, opsBody, len(raw) > 0); changed {
			out = []byte(form.encode())
		}
	case ctJSON:
		out, changed, err = x.transformJSON(raw)
	case ctMulti:
		out, changed, err = x.transformMultipart(raw, ctValue.s)
	}
	if err != nil || !changed {
		return err
	}
	x.body, x.bodySet = out, true
	return nil
}

// transformJSON runs the operations on a JSON object's top-level fields. Untouched
// values keep their JSON as it came; configured values are strings. Truth is Lua's: a
// field that is false counts as absent for replace and add, null as present.
func (x *exchange) transformJSON(raw []byte) ([]byte, bool, error) {
	obj := map[string]json.RawMessage{}
	if len(raw) > 0 {
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			return nil, false, nil // not a JSON object (or blank): left as it is
		}
	}
	truthy := func(name string) bool {
		v, ok := obj[name]
		return ok && string(bytes.TrimSpace(v)) != "false"
	}
	c, full, changed := x.c, len(raw) > 0, false
	if full {
		for _, e := range c.Remove.Body {
			name, _ := split(e)
			delete(obj, name)
			changed = true
		}
		for _, e := range c.Rename.Body {
			if old, to := split(e); truthy(old) && old != to {
				obj[to] = obj[old]
				delete(obj, old)
				changed = true
			}
		}
	}
	render := func(tmpl string) (json.RawMessage, error) {
		v, err := x.render(tmpl)
		return encode(v), err
	}
	for _, e := range c.Replace.Body {
		name, tmpl := split(e)
		if !full {
			break
		}
		v, err := render(tmpl)
		if err != nil {
			return nil, false, err
		}
		if truthy(name) {
			obj[name], changed = v, true
		}
	}
	for _, e := range c.Add.Body {
		name, tmpl := split(e)
		v, err := render(tmpl)
		if err != nil {
			return nil, false, err
		}
		if !truthy(name) {
			obj[name], changed = v, true
		}
	}
	for _, e := range c.Append.Body {
		name, tmpl := split(e)
		v, err := render(tmpl)
		if err != nil {
			return nil, false, err
		}
		obj[name], changed = appendJSON(obj[name], v), true
	}
	if !changed {
		return nil, false, nil
	}
	return encode(obj), true, nil
}

// appendJSON is Kong's append on a JSON value: a string becomes a list of it and the
// new value, a list grows, an object gets the value under "1" (a Lua table insert),
// anything else is replaced by a list of the value.
func appendJSON(old, v json.RawMessage) json.RawMessage {
	old = bytes.TrimSpace(old)
	switch {
	case len(old) > 0 && old[0] == '"':
		return encode([]json.RawMessage{old, v})
	case len(old) > 0 && old[0] == '[':
		var list []json.RawMessage
		if json.Unmarshal(old, &list) == nil {
			return encode(append(list, v))
		}
	case len(old) > 0 && old[0] == '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(old, &obj) == nil {
			obj["1"] = v
			return encode(obj)
		}
	}
	return encode([]json.RawMessage{v})
}

// encode marshals without HTML escaping (cjson does not escape <, > or &).
func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
