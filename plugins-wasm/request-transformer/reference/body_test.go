package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
)

func TestTransformJSON(t *testing.T) {
	c := &config{Remove: names{Body: []string{"r"}}, Add: pairs{Body: []string{"a:$(headers[\"x-v\"])"}}}
	x := &exchange{c: c, headers: newHeaderTable([][2]string{{"x-v", "<v&>"}})}
	for _, tt := range []struct {
		in, want string
		changed  bool
	}{
		{`{"r":1,"k":{"n":1.50}}`, `{"a":"<v&>","k":{"n":1.50}}`, true},
		{``, `{"a":"<v&>"}`, true},
		{`  `, ``, false},
		{`[1]`, ``, false},
		{`{"a":false}`, `{"a":"<v&>"}`, true},
	} {
		out, changed, err := x.transformJSON([]byte(tt.in))
		if err != nil || changed != tt.changed || string(out) != tt.want {
			t.Errorf("%q: %s, %v, %v; want %s", tt.in, out, changed, err, tt.want)
		}
	}
}

func TestArgsEncode(t *testing.T) {
	a := parseArgs("b=2&a=x+y&a=%2F&flag&e=")
	a["c"] = appendValue(a["flag"], str("v")) // a flag is replaced by a list, as in Kong
	if got := a.encode(); got != "a=x%20y&a=%2F&b=2&c=v&e=&flag" {
		t.Errorf("encode = %q", got)
	}
}

// transformJSONStd is transformJSON written with encoding/json and a map, for plain
// (template-free) values: the reference for FuzzTransformJSON.
func transformJSONStd(c *config, raw []byte) ([]byte, bool) {
	obj := map[string]json.RawMessage{}
	if len(raw) > 0 {
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			return nil, false
		}
	}
	truthy := func(name string) bool {
		v, ok := obj[name]
		return ok && string(bytes.TrimSpace(v)) != "false"
	}
	full, changed := len(raw) > 0, false
	if full {
		for _, e := range c.Remove.Body {
			name, _ := kongjson.Split(e)
			delete(obj, name)
			changed = true
		}
		for _, e := range c.Rename.Body {
			if old, to := kongjson.Split(e); truthy(old) && old != to {
				obj[to] = obj[old]
				delete(obj, old)
				changed = true
			}
		}
		for _, e := range c.Replace.Body {
			if name, v := kongjson.Split(e); truthy(name) {
				obj[name], changed = kongjson.Encode(v), true
			}
		}
	}
	for _, e := range c.Add.Body {
		if name, v := kongjson.Split(e); !truthy(name) {
			obj[name], changed = kongjson.Encode(v), true
		}
	}
	for _, e := range c.Append.Body {
		name, v := kongjson.Split(e)
		obj[name], changed = kongjson.Append(obj[name], kongjson.Encode(v)), true
	}
	if !changed {
		return nil, false
	}
	return kongjson.Encode(obj), true
}

// FuzzTransformJSON holds the JSON body transform to the encoding/json version.
func FuzzTransformJSON(f *testing.F) {
	f.Add([]byte(`{"r":1,"k":{"n":1.50}}`), "r", "k:m", "k:x", "a:<v&>", "l:1")
	f.Add([]byte(` {"a" : [1, 2], "b":false, "c":null, "a":"x"} `), "zz", "a:a", "b:2", "b:é\u2028", "a:y")
	f.Add([]byte(``), "r", "a:b", "a:x", "a:\x01", "a:\xff")
	f.Add([]byte(`null`), "r", "", "", "", "")
	f.Fuzz(func(t *testing.T, body []byte, remove, rename, replaceEntry, add, appendEntry string) {
		for _, v := range []string{rename, replaceEntry, add, appendEntry} {
			if strings.Contains(v, "$(") {
				return // templates are TestRender's
			}
		}
		c := &config{
			Remove:  names{Body: []string{remove}},
			Rename:  pairs{Body: []string{rename}},
			Replace: replace{pairs: pairs{Body: []string{replaceEntry}}},
			Add:     pairs{Body: []string{add}},
			Append:  pairs{Body: []string{appendEntry}},
		}
		x := &exchange{c: c, headers: newHeaderTable(nil)}
		got, changed, err := x.transformJSON(body)
		want, wantChanged := transformJSONStd(c, body)
		if err != nil || changed != wantChanged || !bytes.Equal(got, want) {
			t.Fatalf("transformJSON(%q) = %q, %v, %v; encoding/json gives %q, %v", body, got, changed, err, want, wantChanged)
		}
	})
}
