package main

import (
	"strings"

	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
)

// headerTable is the request's headers as Kong's get_headers gives them: lower-case
// names (Host apart: it is :authority), a repeated header as a list, in arrival order.
// A request has few headers, so a slice searched in order beats a map.
type headerTable struct {
	fields []field
}

// field is one name of the table, with its value or list of values.
type field struct {
	name string
	v    value
}

func newHeaderTable(hs [][2]string) *headerTable {
	t := &headerTable{fields: make([]field, 0, len(hs))}
	for _, h := range hs {
		name := strings.ToLower(h[0])
		if strings.HasPrefix(name, ":") || name == "host" {
			continue
		}
		i := t.index(name)
		if i < 0 {
			t.fields = append(t.fields, field{name: name, v: str(h[1])})
			continue
		}
		if old := t.fields[i].v; old.list != nil {
			t.fields[i].v = value{set: true, list: append(old.list, str(h[1]))}
		} else {
			t.fields[i].v = value{set: true, list: []value{old, str(h[1])}}
		}
	}
	return t
}

// index is the position of a lower-case name, -1 when absent.
func (t *headerTable) index(name string) int {
	for i := range t.fields {
		if t.fields[i].name == name {
			return i
		}
	}
	return -1
}

func (t *headerTable) clone() *headerTable {
	return &headerTable{fields: append(make([]field, 0, len(t.fields)+1), t.fields...)}
}

// key is how get_headers' table finds a name: lower-case, underscores as dashes.
func key(name string) string { return strings.ReplaceAll(strings.ToLower(name), "_", "-") }

func (t *headerTable) get(name string) value {
	if i := t.index(key(name)); i >= 0 {
		return t.fields[i].v
	}
	return value{}
}

func (t *headerTable) namespace(name string) value { return t.get(name) }

func (t *headerTable) set(name string, v value) {
	name = strings.ToLower(name)
	if i := t.index(name); i >= 0 {
		t.fields[i].v = v
		return
	}
	t.fields = append(t.fields, field{name: name, v: v})
}

func (t *headerTable) del(name string) {
	if i := t.index(strings.ToLower(name)); i >= 0 {
		t.fields = append(t.fields[:i], t.fields[i+1:]...)
	}
}

// appendPairs appends the table as header fields, in order, a list as repeated
// fields.
func (t *headerTable) appendPairs(out [][2]string) [][2]string {
	for _, f := range t.fields {
		if f.v.list == nil {
			out = append(out, [2]string{f.name, f.v.String()})
			continue
		}
		for _, e := range f.v.list {
			out = append(out, [2]string{f.name, e.String()})
		}
	}
	return out
}

// size is the number of header fields appendPairs writes.
func (t *headerTable) size() int {
	n := 0
	for _, f := range t.fields {
		n += max(1, len(f.v.list))
	}
	return n
}

// transformHeaders runs remove, rename, replace, add and append on the headers with
// Kong's rules: replace only what is there (Host always), add only what is not
// (never Host), append always.
func (x *exchange) transformHeaders() error {
	c, h := x.c, x.headers
	for _, e := range c.Remove.Headers {
		name, _ := kongjson.Split(e)
		h.del(name)
	}
	for _, e := range c.Rename.Headers {
		old, to := kongjson.Split(e)
		if v := h.get(old); v.set && !strings.EqualFold(old, to) {
			h.del(strings.ToLower(old))
			h.set(to, v)
		}
	}
	for _, e := range c.Replace.Headers {
		name, tmpl := kongjson.Split(e)
		if tmpl == "" {
			continue // no value: Kong's nil leaves the header alone
		}
		v, err := x.render(tmpl)
		if err != nil {
			return err
		}
		switch {
		case strings.EqualFold(name, "host"):
			x.authority = v
		case h.get(name).set:
			h.set(name, str(v))
		}
	}
	for _, e := range c.Add.Headers {
		name, tmpl := kongjson.Split(e)
		if tmpl == "" {
			continue // no value: Kong's nil leaves the header alone
		}
		v, err := x.render(tmpl)
		if err != nil {
			return err
		}
		if !strings.EqualFold(name, "host") && !h.get(name).set {
			h.set(name, str(v))
		}
	}
	for _, e := range c.Append.Headers {
		name, tmpl := kongjson.Split(e)
		if tmpl == "" {
			continue // no value: Kong's nil leaves the header alone
		}
		v, err := x.render(tmpl)
		if err != nil {
			return err
		}
		if strings.EqualFold(name, "host") {
			x.authority = v // Kong's table has no Host: appending sets it
			continue
		}
		h.set(name, appendValue(h.get(name), str(v)))
	}
	return nil
}
