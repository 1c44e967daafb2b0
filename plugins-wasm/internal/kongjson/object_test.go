package kongjson

import (
	"encoding/json"
	"testing"
)

func TestParseObject(t *testing.T) {
	tests := []struct {
		name, in, want string
		fast           bool // read without encoding/json
	}{
		{"sorted and compacted", ` { "b" : [ 1 , "x y" ] , "a" : { "k" : true } }` + "\n", `{"a":{"k":true},"b":[1,"x y"]}`, true},
		{"empty", `{}`, `{}`, true},
		{"last repeated key wins", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`, true},
		{"strings kept byte for byte", `{"s":"<\u00e9>\n\"","t":"é \\"}`, `{"s":"<\u00e9>\n\"","t":"é \\"}`, true},
		{"numbers", `{"n":[-0,1.5e+3,2E-2,10]}`, `{"n":[-0,1.5e+3,2E-2,10]}`, true},
		{"escaped key", `{"a\u0062":1,"c\n":2}`, `{"ab":1,"c\n":2}`, false},
		{"non-ASCII key", `{"é":1,"<>":2}`, `{"<>":2,"é":1}`, false},
		{"HTML in keys not escaped", `{"a&b":1}`, `{"a&b":1}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, ok := ParseObject([]byte(tt.in))
			if !ok {
				t.Fatalf("ParseObject(%s) failed", tt.in)
			}
			if got := string(obj.AppendJSON(nil)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if _, fast := scanObject([]byte(tt.in)); fast != tt.fast {
				t.Errorf("fast path = %v, want %v", fast, tt.fast)
			}
		})
	}
	for _, in := range []string{``, `null`, `[1]`, `"s"`, `1`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":01}`, `{"a":1.}`,
		`{"a":-}`, `{"a":tru}`, `{"a":"\x"}`, "{\"a\":\"\t\"}", `{"a":1} x`, `{"a":[1,]}`, `{"a":{"b":1,}}`, `{"a":1e}`, `{"a":"\u12"}`} {
		if _, ok := ParseObject([]byte(in)); ok {
			t.Errorf("ParseObject(%q) accepted", in)
		}
	}
}

func TestObjectEdit(t *testing.T) {
	obj, _ := ParseObject([]byte(`{"b":2,"d":4}`))
	obj.Set("a", []byte(`1`))
	obj.Set("c", []byte(`"x"`))
	obj.Set("b", []byte(`[ 2 ]`))
	obj.Delete("d")
	obj.Delete("zz")
	if v, ok := obj.Get("c"); !ok || string(v) != `"x"` {
		t.Errorf(`Get("c") = %s, %v`, v, ok)
	}
	if _, ok := obj.Get("d"); ok {
		t.Error(`Get("d") found a deleted member`)
	}
	if got, want := string(obj.AppendJSON(nil)), `{"a":1,"b":[2],"c":"x"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// FuzzParseObject checks ParseObject and AppendJSON against encoding/json: the same
// documents are accepted, and written the same.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{`{"a":1}`, ` {"b" : [1, {"c":null}], "a":"x\"y"} `, `{"a\u0041":true,"a":false}`,
		`{"n":-1.5e-3}`, `[]`, `{"é":"\u2028"}`, `{"a":"\xff"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]json.RawMessage
		wantOK := json.Unmarshal(b, &m) == nil && m != nil
		obj, ok := ParseObject(b)
		if ok != wantOK {
			t.Fatalf("ParseObject(%q) ok = %v, encoding/json says %v", b, ok, wantOK)
		}
		if !ok {
			return
		}
		if got, want := string(obj.AppendJSON(nil)), string(Encode(m)); got != want {
			t.Fatalf("ParseObject(%q) writes %s, encoding/json %s", b, got, want)
		}
	})
}

func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":              `"plain"`,
		`q"b\s/`:             `"q\"b\\s/"`,
		"<a&b>":              `"<a&b>"`,
		"\b\f\n\r\t\x01\x7f": `"\b\f\n\r\t\u0001` + "\x7f" + `"`,
		"é\xff\u2028\u2029":  `"é\ufffd\u2028\u2029"`,
	} {
		if got := string(AppendString([]byte("x"), in)); got != "x"+want {
			t.Errorf("AppendString(%q) = %s, want x%s", in, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"a", "\"\\\x00\x1f<>&", "é\xff\xe2\x80\xa8\xe2\x80", "\u2029\ufffd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(AppendString(nil, s)), string(Encode(s)); got != want {
			t.Fatalf("AppendString(%q) = %s, encoding/json %s", s, got, want)
		}
	})
}
