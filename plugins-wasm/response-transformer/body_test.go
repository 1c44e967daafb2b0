package responsetransformer

import "testing"

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
