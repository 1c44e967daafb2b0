package pipeline

import (
	"reflect"
	"testing"
)

func TestKongQuery(t *testing.T) {
	tests := []struct {
		target string
		want   map[string]any
	}{
		{"/p", map[string]any{}},
		{"/p?", map[string]any{}},
		{"/p?a=1&b&c=&a=2&a=3", map[string]any{"a": []any{"1", "2", "3"}, "b": true, "c": ""}},
		{"/p?x%20y=a%2Bb&&=z", map[string]any{"x y": "a+b"}},
	}
	for _, tt := range tests {
		if got := kongQuery(tt.target); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("kongQuery(%q) = %v, want %v", tt.target, got, tt.want)
		}
	}
}

func TestKongHeaders(t *testing.T) {
	var h Headers
	h.Add(":method", "GET")
	h.Add(":authority", "api.test")
	h.Add("Accept", "a")
	h.Add("accept", "b")
	h.Add("authorization", "Basic x")
	h.Add("proxy-authorization", "Basic y")
	h.Add("x-one", "1")
	want := map[string]any{"host": "api.test", "accept": []string{"a", "b"}, "authorization": "REDACTED",
		"proxy-authorization": "REDACTED", "x-one": "1"}
	if got := kongHeaders(&h, true); !reflect.DeepEqual(got, want) {
		t.Errorf("request headers %v, want %v", got, want)
	}
	want = map[string]any{"accept": []string{"a", "b"}, "authorization": "Basic x", "proxy-authorization": "Basic y", "x-one": "1"}
	if got := kongHeaders(&h, false); !reflect.DeepEqual(got, want) {
		t.Errorf("response headers %v, want %v", got, want)
	}
}
