package meta

import (
	"errors"
	"os"
	"testing"
)

func TestAppendRead(t *testing.T) {
	wasm, err := os.ReadFile("../../testdata/wat/misc.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := Read(wasm); m != nil || err != nil {
		t.Fatalf("a module without the section: %+v, %v", m, err)
	}
	doc := []byte(`{"name":"p","version":"1.2.0","priority":900,"config":{"type":"record","fields":[]}}`)
	out, err := Append(wasm, doc)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Append(out, []byte(`{"name":"p","version":"1.3.0","priority":901}`))
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	if err := sections(again, func(id byte, name string, _ []byte) {
		if id == 0 && name == SectionName {
			count++
		}
	}); err != nil || count != 1 {
		t.Fatalf("after two Appends: %d weir.plugin sections, %v", count, err)
	}
	m, err := Read(again)
	if err != nil || m.Name != "p" || m.Version != "1.3.0" || m.Priority != 901 {
		t.Fatalf("Read = %+v, %v", m, err)
	}
	if string(out[:len(wasm)]) != string(wasm) {
		t.Fatal("Append changed the module's own sections")
	}
}

func TestBadInput(t *testing.T) {
	if _, err := Read([]byte("nope")); !errors.Is(err, ErrNotWasm) {
		t.Fatalf("Read(junk) = %v", err)
	}
	truncated := append([]byte{0, 'a', 's', 'm', 1, 0, 0, 0}, 1, 50, 0)
	if _, err := Read(truncated); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Read(truncated) = %v", err)
	}
	if _, err := Append(truncated[:8], []byte(`{"version":"1"}`)); err == nil {
		t.Fatal("metadata without a name was accepted")
	}
	if _, err := Append(truncated[:8], []byte(`{`)); err == nil {
		t.Fatal("metadata that is not JSON was accepted")
	}
}
