package requesttransformer

import (
	"strings"

	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
)

// headerTable is the request's headers as Kong's get_headers gives them: lower-case
// names (Host apart: it is :authority), a repeated header as a list, in arrival order.
type headerTable struct {
	order []string
	vals  map[string]value
}

func newHeaderTable(hs [][2]string) *headerTable {
	t := &headerTable{vals: map[string]value{}}
	for _, h := range hs {
		name := strings.ToLower(h[0])
		if strings.HasPrefix(name, ":") || name == "host" {
			continue
		}
		old := t.vals[name]
		switch {
		case !old.set:
			t.set(name, str(h[1]))
		case old.list != nil:
			t.vals[name] = value{set: true, list: append(old.list, str(h[1]))}
		default:
			t.vals[name] = value{set: true, list: []value{old, str(h[1])}}
		}
	}
	return t
}

func (t *headerTable) clone() *headerTable {
	c := &headerTable{order: append([]string(nil), t.order...), vals: make(map[string]value, len(t.vals))}
	for k, v := range t.vals {
		c.vals[k] = v
	}
	return c
}

// key is how get_headers' table finds a name: lower-case, underscores as dashes.
func key(name string) string { return strings.ReplaceAll(strings.ToLower(name), "_", "-") }

func (t *headerTable) get(name string) value { return t.vals[key(name)] }

func (t *headerTable) namespace(name string) value { return t.get(name) }

func (t *headerTable) set(name string, v value) {
	name = strings.ToLower(name)
	if _, ok := t.vals[name]; !ok {
		t.order = append(t.order, name)
	}
	t.vals[name] = v
}

func (t *headerTable) del(name string) {
	name = strings.ToLower(name)
	if _, ok := t.vals[name]; !ok {
		return
	}
	delete(t.vals, name)
	for i, n := range t.order {
		if n == name {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
}

// pairs is the table as header fields, in order, a list as repeated fields.
func (t *headerTable) pairs() [][2]string {
	var out [][2]string
	for _, name := range t.order {
		v := t.vals[name]
		if v.list == nil {
			out = append(out, [2]string{name, v.String()})
			continue
		}
		for _, e := range v.list {
			out = append(out, [2]string{name, e.String()})
		}
	}
	return out
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
