package pluginswasm

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBuiltinSources checks that each built-in's folder holds the source of the module
// that serves it: plugin.rs, included by bundle-rust/lib.rs, for those RustBuiltins
// names; Go files, imported by the Go bundle, for the others. A plugin moved between
// languages without its list, or left in both, fails here instead of at run time.
func TestBuiltinSources(t *testing.T) {
	builtins, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	lib, err := os.ReadFile(filepath.Join("bundle-rust", "lib.rs"))
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := os.ReadFile(filepath.Join("bundle", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	rustBundle, err := os.ReadFile(filepath.Join("bundle-rust", "bundle-rust.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range builtins {
		_, rsErr := os.Stat(filepath.Join(b.Name, "plugin.rs"))
		goFiles, _ := filepath.Glob(filepath.Join(b.Name, "*.go"))
		goFiles = slices.DeleteFunc(goFiles, func(f string) bool { return strings.HasSuffix(f, "_test.go") }) // tests may be Go either way
		inLib := bytes.Contains(lib, []byte(`#[path = "../`+b.Name+`/plugin.rs"]`)) &&
			bytes.Contains(lib, []byte(`b"`+b.Name+`" =>`))
		imported := bytes.Contains(bundle, []byte(`"github.com/weir-gateway/weir/plugins-wasm/`+b.Name+`"`))
		if slices.Contains(RustBuiltins, b.Name) {
			if rsErr != nil || len(goFiles) > 0 || !inLib || imported {
				t.Errorf("%s is a Rust built-in: want %s/plugin.rs (found: %v), no Go files (%v), in lib.rs (%v), not in the Go bundle (%v)",
					b.Name, b.Name, rsErr == nil, goFiles, inLib, imported)
			}
			if !bytes.Equal(b.Module, rustBundle) {
				t.Errorf("%s is not served by bundle-rust", b.Name)
			}
			continue
		}
		if rsErr == nil || len(goFiles) == 0 || inLib || !imported {
			t.Errorf("%s is a Go built-in: want Go files (%v), no plugin.rs (found: %v), not in lib.rs (%v), imported by the Go bundle (%v)",
				b.Name, goFiles, rsErr == nil, inLib, imported)
		}
		if bytes.Equal(b.Module, rustBundle) {
			t.Errorf("%s is served by bundle-rust", b.Name)
		}
	}
	for _, name := range RustBuiltins {
		if !slices.ContainsFunc(builtins, func(b Builtin) bool { return b.Name == name }) {
			t.Errorf("RustBuiltins names %s, which has no schema.json", name)
		}
	}
	if strings.Count(string(lib), "#[path = \"../") != len(RustBuiltins) {
		t.Errorf("bundle-rust/lib.rs includes %d plugins, RustBuiltins names %d", strings.Count(string(lib), "#[path = \"../"), len(RustBuiltins))
	}
}
