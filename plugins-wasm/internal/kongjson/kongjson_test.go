package kongjson

import (
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
