package kongjson

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestAppend(t *testing.T) {
	tests := []struct{ old, v, want string }{
		{`"a"`, `"b"`, `["a","b"]`},
		{`["a"]`, `"b"`, `["a","b"]`},
		{`{"k":1}`, `"b"`, `{"1":"b","k":1}`},
		{``, `"b"`, `["b"]`},
		{`3`, `"b"`, `["b"]`},
		{`null`, `"<b>"`, `["<b>"]`},
	}
	for _, tt := range tests {
		if got := string(Append(json.RawMessage(tt.old), json.RawMessage(tt.v))); got != tt.want {
			t.Errorf("Append(%s, %s) = %s, want %s", tt.old, tt.v, got, tt.want)
		}
	}
}

func TestSplit(t *testing.T) {
	for entry, want := range map[string][2]string{"a:b": {"a", "b"}, "a::b:c": {"a", "b:c"}, "a": {"a", ""}} {
		if n, v := Split(entry); n != want[0] || v != want[1] {
			t.Errorf("Split(%q) = %q, %q", entry, n, v)
		}
	}
}

// appendStd is Append written with encoding/json alone, the reference for FuzzAppend.
func appendStd(old, v json.RawMessage) json.RawMessage {
	old = bytes.TrimSpace(old)
	switch {
	case len(old) > 0 && old[0] == '"':
		return Encode([]json.RawMessage{old, v})
	case len(old) > 0 && old[0] == '[':
		var list []json.RawMessage
		if json.Unmarshal(old, &list) == nil {
			return Encode(append(list, v))
		}
	case len(old) > 0 && old[0] == '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(old, &obj) == nil {
			obj["1"] = v
			return Encode(obj)
		}
	}
	return Encode([]json.RawMessage{v})
}

func FuzzAppend(f *testing.F) {
	for _, s := range [][2]string{{`"a"`, `"b"`}, {` [ 1 , "x" ] `, `2`}, {`[]`, `[ 1 ]`}, {`{"k":1}`, `"b"`}, {``, `"b"`},
		{`3`, `true`}, {`"a`, `1`}, {`[1,`, `1`}, {`"a"`, `nope`}, {`null`, `{ "a" : 1 }`}} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, old, v []byte) {
		if got, want := Append(old, v), appendStd(old, v); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("Append(%q, %q) = %q, encoding/json gives %q", old, v, got, want)
		}
	})
}
