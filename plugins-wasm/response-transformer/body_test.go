package responsetransformer

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
)

func TestTransformJSON(t *testing.T) {
	tests := []struct {
		name string
		c    config
		in   string
		want string
	}{
		{"remove", config{Remove: names{JSON: []string{"a", "zz"}}}, `{"a":1,"b":2}`, `{"b":2}`},
		{"rename keeps type", config{Rename: names{JSON: []string{"a:c", "f:g", "n:m"}}}, `{"a":[1],"f":false,"n":null}`, `{"c":[1],"g":false,"m":null}`},
		{"rename to itself removes", config{Rename: names{JSON: []string{"a:a"}}}, `{"a":1,"b":2}`, `{"b":2}`},
		{"replace only truthy", config{Replace: pairs{JSON: []string{"a:x", "f:x", "n:x", "z:x"}}}, `{"a":1,"f":false,"n":null}`, `{"a":"x","f":false,"n":"x"}`},
		{"add only falsy", config{Add: pairs{JSON: []string{"a:x", "f:x", "z:x"}}}, `{"a":1,"f":false}`, `{"a":1,"f":"x","z":"x"}`},
		{"types", config{Add: pairs{JSON: []string{"n:42", "b:true", "c:yes", "s:42", "bad:4x", "h:0x10", "f:1.5"}, JSONTypes: []string{"number", "boolean", "boolean", "string", "number", "number", "number"}}},
			`{}`, `{"b":true,"c":false,"f":1.5,"h":16,"n":42,"s":"42"}`},
		{"append", config{Append: pairs{JSON: []string{"s:x", "l:x", "n:x", "z:x", "o:x"}}}, `{"s":"a","l":["a",1],"n":5,"o":{"k":1}}`,
			`{"l":["a",1,"x"],"n":["x"],"o":{"1":"x","k":1},"s":["a","x"],"z":["x"]}`},
		{"escapes as Kong", config{Add: pairs{JSON: []string{`a:x\y`, `b:<a href="/p">`}}}, `{}`, `{"a":"x\\\\y","b":"<a href=\"/p\">"}`},
		{"value after many colons", config{Add: pairs{JSON: []string{"a:::b:c"}}}, `{}`, `{"a":"b:c"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ok := transformJSON(&tt.c, []byte(tt.in))
			if !ok || string(out) != tt.want {
				t.Errorf("got %s, %v; want %s", out, ok, tt.want)
			}
		})
	}
	for _, in := range []string{`[1]`, `"s"`, `nope`, ``} {
		if _, ok := transformJSON(&config{Remove: names{JSON: []string{"a"}}}, []byte(in)); ok {
			t.Errorf("%q transformed", in)
		}
	}
}

// transformJSONStd is transformJSON written with encoding/json and a map, the
// reference for FuzzTransformJSON.
func transformJSONStd(c *config, body []byte) ([]byte, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return nil, false
	}
	truthy := func(name string) bool {
		v, ok := obj[name]
		return ok && string(bytes.TrimSpace(v)) != "false"
	}
	for _, e := range c.Remove.JSON {
		name, _ := kongjson.Split(e)
		delete(obj, name)
	}
	for _, e := range c.Rename.JSON {
		old, to := kongjson.Split(e)
		if v, ok := obj[old]; ok && to != "" {
			obj[to] = v
			delete(obj, old)
		}
	}
	for i, e := range c.Replace.JSON {
		name, value := kongjson.Split(e)
		if v, ok := jsonValue(value, typeAt(c.Replace.JSONTypes, i)); ok && truthy(name) {
			obj[name] = v
		}
	}
	for i, e := range c.Add.JSON {
		name, value := kongjson.Split(e)
		if v, ok := jsonValue(value, typeAt(c.Add.JSONTypes, i)); ok && !truthy(name) {
			obj[name] = v
		}
	}
	for i, e := range c.Append.JSON {
		name, value := kongjson.Split(e)
		if v, ok := jsonValue(value, typeAt(c.Append.JSONTypes, i)); ok {
			obj[name] = kongjson.Append(obj[name], v)
		}
	}
	return kongjson.Encode(obj), true
}

// FuzzTransformJSON holds transformJSON to the encoding/json version: same bodies
// accepted, same output, for every operation.
func FuzzTransformJSON(f *testing.F) {
	f.Add([]byte(`{"message":"hello","drop":true}`), "drop", "a:b", "message:x", "served_by:weir", "l:1", uint8(0))
	f.Add([]byte(` {"a" : [1, 2], "b":false, "c":null, "a":"x"} `), "zz", "a:a", "b:2", "b:true", "a:y", uint8(7))
	f.Add([]byte(`{"é":{"k":1},"n":1.5e3,"s":"\u00e9"}`), "é", "n:m", "s:0x10", "c:yes", "é:v", uint8(21))
	f.Add([]byte(`[1]`), "a", "", "", "", "", uint8(0))
	types := []string{"", "string", "number", "boolean"}
	f.Fuzz(func(t *testing.T, body []byte, remove, rename, replace, add, appendEntry string, kinds uint8) {
		kind := func(shift uint) []string { return []string{types[kinds>>shift&3]} }
		c := config{
			Remove:  names{JSON: []string{remove}},
			Rename:  names{JSON: []string{rename}},
			Replace: pairs{JSON: []string{replace}, JSONTypes: kind(0)},
			Add:     pairs{JSON: []string{add}, JSONTypes: kind(2)},
			Append:  pairs{JSON: []string{appendEntry}, JSONTypes: kind(4)},
		}
		got, ok := transformJSON(&c, body)
		want, wantOK := transformJSONStd(&c, body)
		if ok != wantOK || !bytes.Equal(got, want) {
			t.Fatalf("transformJSON(%q) = %q, %v; encoding/json gives %q, %v", body, got, ok, want, wantOK)
		}
	})
}
