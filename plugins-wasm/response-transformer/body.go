package responsetransformer

import (
	"bytes"
	"encoding/json"
	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
	"math"
	"strconv"
	"strings"
)

// transformJSON applies the json operations to a response body, in Kong's order:
// remove, rename, replace, add, append. ok is false when the body is not a JSON
// object; it is then left as it is.
func transformJSON(c *config, body []byte) (out []byte, ok bool) {
	obj, ok := kongjson.ParseObject(body)
	if !ok {
		return nil, false
	}
	p := c.plan()
	for _, name := range p.removeJSON {
		obj.Delete(name)
	}
	for _, e := range p.renameJSON {
		if v, ok := obj.Get(e.from); ok && e.to != "" {
			obj.Set(e.to, v)
			obj.Delete(e.from) // renaming a key to itself removes it, as in Kong
		}
	}
	for _, f := range p.replaceJSON {
		if truthy(&obj, f.name) {
			obj.Set(f.name, f.value)
		}
	}
	for _, f := range p.addJSON {
		if !truthy(&obj, f.name) {
			obj.Set(f.name, f.value)
		}
	}
	for _, f := range p.appendJSON {
		old, _ := obj.Get(f.name)
		obj.Set(f.name, kongjson.Append(old, f.value))
	}
	return obj.AppendJSON(make([]byte, 0, len(body)+p.growth)), true
}

func typeAt(types []string, i int) string {
	if i < len(types) {
		return types[i]
	}
	return ""
}

// truthy is Lua's truth of a decoded JSON value: present and not false (JSON null is
// cjson.null, which is true).
func truthy(obj *kongjson.Object, name string) bool {
	v, ok := obj.Get(name)
	return ok && string(bytes.TrimSpace(v)) != "false"
}

// jsonValue turns a configured value into JSON as Kong does: the text with cjson's
// escapes (quotes and slashes excepted), then cast to json_type. ok is false when a
// number does not parse (Kong then skips the entry) or the value is empty.
func jsonValue(value, jsonType string) (json.RawMessage, bool) {
	if value == "" {
		return nil, false
	}
	v := cjsonEscape(value)
	switch jsonType {
	case "number":
		n, ok := luaNumber(v)
		if !ok {
			return nil, false
		}
		return json.RawMessage(formatNumber(n)), true
	case "boolean":
		return json.RawMessage(strconv.FormatBool(v == "true")), true
	}
	return kongjson.Encode(v), true
}

// cjsonEscape escapes what cjson escapes in a string, except '"' and '/' (Kong undoes
// those): backslashes and control characters.
func cjsonEscape(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			b.WriteString(`\u00` + strconv.FormatUint(uint64(c>>4), 16) + strconv.FormatUint(uint64(c&15), 16))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// luaNumber is Lua's tonumber on a string: decimal or hexadecimal, spaces around
// allowed, no inf or nan.
func luaNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	if h := strings.TrimPrefix(s, "-"); strings.HasPrefix(strings.ToLower(h), "0x") {
		u, err := strconv.ParseUint(h[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		if neg {
			return -float64(u), true
		}
		return float64(u), true
	}
	lower := strings.ToLower(s)
	if strings.Contains(lower, "inf") || strings.Contains(lower, "nan") || strings.Contains(lower, "_") {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil && !math.IsInf(n, 0)
}

// formatNumber writes a number as cjson does (%.14g).
func formatNumber(n float64) string {
	if n == math.Trunc(n) && math.Abs(n) < 1e14 {
		return strconv.FormatInt(int64(n), 10)
	}
	return strconv.FormatFloat(n, 'g', 14, 64)
}
