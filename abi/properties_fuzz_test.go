package abi

import (
	"slices"
	"strings"
	"testing"
)

// FuzzPropertyPath checks the property path parser on any bytes a guest can send: it
// never panics, no segment holds a NUL, and joining the segments gives back the path
// without its one optional trailing NUL. Into the instance's storage (a read) or into
// nothing (a write), it splits alike.
func FuzzPropertyPath(f *testing.F) {
	for _, seed := range []string{"", "\x00", "request\x00path", "request\x00headers\x00x-a\x00",
		"weir\x00ctx\x00k", "\x00\x00", "a\x00\x00b", "plugin_root_id"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var storage [8]string
		path, st := splitPath(storage[:0], raw)
		if copied, cst := splitPath(nil, raw); cst != st || !slices.Equal(copied, path) {
			t.Fatalf("%q: split %q (%v) into storage, %q (%v) into nothing", raw, path, st, copied, cst)
		}
		ok := st == StatusOK
		want := strings.TrimSuffix(raw, "\x00")
		if !ok {
			if want != "" {
				t.Fatalf("%q refused", raw)
			}
			return
		}
		if len(path) == 0 {
			t.Fatalf("%q gave no segments", raw)
		}
		for _, seg := range path {
			if strings.Contains(seg, "\x00") {
				t.Fatalf("%q: segment %q holds a NUL", raw, seg)
			}
		}
		if got := strings.Join(path, "\x00"); got != want {
			t.Fatalf("%q: segments join to %q", raw, got)
		}
	})
}
