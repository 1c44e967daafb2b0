package main

import (
	"testing"

	"github.com/weir-gateway/weir/sdk/weir"
)

func TestArgsEncodeTable(t *testing.T) {
	tests := []struct {
		name string
		a    args
		want string
	}{
		{"empty", args{}, ""},
		{"one", args{"source": str("weir")}, "source=weir"},
		{"pieces sorted, not names", args{"a": str("1"), "a-b": str("2")}, "a-b=2&a=1"},
		{"flag and list", args{"f": {set: true, flag: true}, "l": {set: true, list: []value{str("x"), {set: true, flag: true}, {}}}}, "f&l=x&l"},
		{"nil left out", args{"n": {}, "s": str("")}, "s="},
		{"escapes", args{"a b": str("é/&=+~")}, "a%20b=%C3%A9%2F%26%3D%2B~"},
	}
	for _, tt := range tests {
		if got := tt.a.encode(); got != tt.want {
			t.Errorf("%s: encode = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAppendURIComponent(t *testing.T) {
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
	}
	if got, want := string(appendURIComponent([]byte("x"), string(all))), "x"+weir.EscapeURIComponent(string(all)); got != want {
		t.Errorf("appendURIComponent = %q, want %q", got, want)
	}
}
