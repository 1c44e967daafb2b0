package main

import (
	"bytes"
	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
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
			name, _ := kongjson.Split(e)
			delete(a, name)
			changed = true
		}
		for _, e := range rename {
			old, to := kongjson.Split(e)
			if v := a[old]; v.set && old != to {
				delete(a, old)
				a[to] = v
				changed = true
			}
		}
		for _, e := range replace {
			name, tmpl := kongjson.Split(e)
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
		name, tmpl := kongjson.Split(e)
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
		name, tmpl := kongjson.Split(e)
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
	var obj kongjson.Object
	if len(raw) > 0 {
		var ok bool
		if obj, ok = kongjson.ParseObject(raw); !ok {
			return nil, false, nil // not a JSON object (or blank): left as it is
		}
	}
	truthy := func(name string) bool {
		v, ok := obj.Get(name)
		return ok && string(bytes.TrimSpace(v)) != "false"
	}
	c, full, changed := x.c, len(raw) > 0, false
	if full {
		for _, e := range c.Remove.Body {
			name, _ := kongjson.Split(e)
			obj.Delete(name)
			changed = true
		}
		for _, e := range c.Rename.Body {
			if old, to := kongjson.Split(e); truthy(old) && old != to {
				v, _ := obj.Get(old)
				obj.Set(to, v)
				obj.Delete(old)
				changed = true
			}
		}
	}
	render := func(tmpl string) ([]byte, error) {
		v, err := x.render(tmpl)
		return kongjson.AppendString(nil, v), err
	}
	for _, e := range c.Replace.Body {
		name, tmpl := kongjson.Split(e)
		if !full {
			break
		}
		v, err := render(tmpl)
		if err != nil {
			return nil, false, err
		}
		if truthy(name) {
			obj.Set(name, v)
			changed = true
		}
	}
	for _, e := range c.Add.Body {
		name, tmpl := kongjson.Split(e)
		v, err := render(tmpl)
		if err != nil {
			return nil, false, err
		}
		if !truthy(name) {
			obj.Set(name, v)
			changed = true
		}
	}
	for _, e := range c.Append.Body {
		name, tmpl := kongjson.Split(e)
		v, err := render(tmpl)
		if err != nil {
			return nil, false, err
		}
		old, _ := obj.Get(name)
		obj.Set(name, kongjson.Append(old, v))
		changed = true
	}
	if !changed {
		return nil, false, nil
	}
	return obj.AppendJSON(make([]byte, 0, len(raw)+64)), true, nil
}
