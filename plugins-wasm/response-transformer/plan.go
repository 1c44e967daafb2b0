package responsetransformer

import (
	"strings"

	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
)

// plan is a configuration read once for all its requests: entries split, JSON values
// encoded, entries Kong would skip dropped, header names keyed for lookups.
type plan struct {
	removeJSON  []string
	renameJSON  []rename
	replaceJSON []jsonField
	addJSON     []jsonField
	appendJSON  []jsonField

	removeHeaders  []string
	renameHeaders  []rename
	replaceHeaders []header
	addHeaders     []header
	appendHeaders  []header

	growth int // about what the json operations add to a body, to size the output once
}

type rename struct {
	from, to string
	fromKey  string // from as get_headers' table finds it
}

// jsonField is a json entry with its value as JSON text.
type jsonField struct {
	name  string
	value []byte
}

// header is a headers entry with a value.
type header struct {
	name, value string
	key         string // name as get_headers' table finds it
}

// plan returns the configuration's plan, made on first use (the configuration is
// shared by the plugin's requests and never changes).
func (c *config) plan() *plan {
	if c.prepared == nil {
		c.prepared = newPlan(c)
	}
	return c.prepared
}

func newPlan(c *config) *plan {
	p := &plan{}
	for _, e := range c.Remove.JSON {
		name, _ := kongjson.Split(e)
		p.removeJSON = append(p.removeJSON, name)
	}
	for _, e := range c.Rename.JSON {
		old, to := kongjson.Split(e)
		p.renameJSON = append(p.renameJSON, rename{from: old, to: to})
	}
	p.replaceJSON = jsonFields(c.Replace)
	p.addJSON = jsonFields(c.Add)
	p.appendJSON = jsonFields(c.Append)
	for _, list := range [][]jsonField{p.replaceJSON, p.addJSON, p.appendJSON} {
		for _, f := range list {
			p.growth += len(f.name) + len(f.value) + 8 // quotes, colon, comma, brackets
		}
	}
	for _, r := range p.renameJSON {
		p.growth += len(r.to) + 3
	}
	for _, e := range c.Remove.Headers {
		name, _ := kongjson.Split(e)
		p.removeHeaders = append(p.removeHeaders, name)
	}
	for _, e := range c.Rename.Headers {
		old, to := kongjson.Split(e)
		p.renameHeaders = append(p.renameHeaders, rename{from: old, to: to, fromKey: headerKey(old)})
	}
	p.replaceHeaders = headers(c.Replace.Headers)
	p.addHeaders = headers(c.Add.Headers)
	p.appendHeaders = headers(c.Append.Headers)
	return p
}

// jsonFields encodes an operation's json values; an entry Kong skips (empty value,
// a number that does not parse) is left out.
func jsonFields(op pairs) []jsonField {
	var out []jsonField
	for i, e := range op.JSON {
		name, value := kongjson.Split(e)
		if v, ok := jsonValue(value, typeAt(op.JSONTypes, i)); ok {
			out = append(out, jsonField{name: name, value: v})
		}
	}
	return out
}

// headers keeps the entries with a value, which are the only ones Kong applies.
func headers(entries []string) []header {
	var out []header
	for _, e := range entries {
		if name, value := kongjson.Split(e); value != "" {
			out = append(out, header{name: name, value: value, key: headerKey(name)})
		}
	}
	return out
}

// headerKey is how ngx.req.get_headers' table finds a name: lower-case, underscores
// read as dashes (see weir.HeaderArg).
func headerKey(name string) string { return strings.ReplaceAll(strings.ToLower(name), "_", "-") }

// hasHeader says whether a header is present, found as weir.HeaderArg finds it.
func hasHeader(hs [][2]string, key string) bool {
	for _, h := range hs {
		if strings.EqualFold(h[0], key) { // key is lower-case; EqualFold stops at the first difference
			return true
		}
	}
	return false
}
