package main

import (
	"reflect"
	"testing"
)

func TestHeaderTable(t *testing.T) {
	h := newHeaderTable([][2]string{{":path", "/"}, {"Host", "h"}, {"A", "1"}, {"x-b", "2"}, {"a", "3"}, {"c", "4"}})
	h.set("X-B", str("5")) // replaced in place
	h.set("d", str("6"))   // added last
	h.del("C")
	h.del("absent")
	if got := h.get("X_B"); got.s != "5" {
		t.Errorf(`get("X_B") = %+v, want 5`, got)
	}
	if got := h.get("a"); got.String() != "1, 3" {
		t.Errorf(`get("a") = %q, want a list of 1 and 3`, got.String())
	}
	want := [][2]string{{"a", "1"}, {"a", "3"}, {"x-b", "5"}, {"d", "6"}}
	if got := h.appendPairs(nil); !reflect.DeepEqual(got, want) {
		t.Errorf("pairs = %q, want %q", got, want)
	}
	if h.size() != len(want) {
		t.Errorf("size = %d, want %d", h.size(), len(want))
	}
	c := h.clone()
	c.set("host", str("h2"))
	if h.get("host").set {
		t.Error("a change to the clone reached the table")
	}
}
