package weir

import (
	"reflect"
	"testing"
)

func TestQueryArgs(t *testing.T) {
	got := Query("a=1&b&c=x+y%21&&=skip&a=%zz").Args()
	want := []QueryArg{{"a", "1", false}, {"b", "", true}, {"c", "x y!", false}, {"a", "%zz", false}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Args = %+v, want %+v", got, want)
	}
	if got := EscapeURIComponent("a b/c~é"); got != "a%20b%2Fc~%C3%A9" {
		t.Errorf("EscapeURIComponent = %q", got)
	}
}
