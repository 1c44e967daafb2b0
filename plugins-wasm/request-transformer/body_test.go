package requesttransformer

import "testing"

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
