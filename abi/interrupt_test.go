package abi

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
)

// countLoops walks every function body of a module and counts its loops, and those
// followed at once by the interrupt check.
func countLoops(t *testing.T, wasm []byte, check []byte) (loops, checked int) {
	t.Helper()
	r := &reader{b: wasm, pos: 8}
	for r.pos < len(r.b) {
		id := r.byte()
		body := r.bytes(int(r.u32()))
		if id != secCode {
			continue
		}
		c := &reader{b: body}
		for range c.u32() {
			fn := &reader{b: c.bytes(int(c.u32()))}
			for range fn.u32() {
				fn.u32()
				fn.byte()
			}
			for fn.pos < len(fn.b) {
				op := fn.byte()
				if err := skipImmediates(fn, op); err != nil || fn.err != nil {
					t.Fatalf("decode: %v %v", err, fn.err)
				}
				if op == opLoop {
					loops++
					if check != nil && bytes.HasPrefix(fn.b[fn.pos:], check) {
						checked++
					}
				}
			}
		}
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	return loops, checked
}

// Every module weir's tests run (WAT, Go, C, Rust and AssemblyScript builds) comes
// out valid, with a check after each of its loops.
func TestInstrumentEveryFixture(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.wasm"))
	more, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*", "*.wasm"))
	files = append(files, more...)
	if len(files) < 20 {
		t.Fatalf("found only %d fixtures", len(files))
	}
	modules := map[string][]byte{"built-in bundle (Go)": goModule(t, "bundle")}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		modules[f] = b
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	for name, wasm := range modules {
		t.Run(filepath.Base(name), func(t *testing.T) {
			out, err := instrument(wasm)
			if err != nil {
				if bytes.HasPrefix(wasm, []byte("\x00asm")) {
					t.Fatalf("instrument: %v", err)
				}
				return
			}
			if _, err := rt.CompileModule(ctx, out); err != nil {
				if _, origErr := rt.CompileModule(ctx, wasm); origErr == nil {
					t.Fatalf("instrumented module invalid: %v", err)
				}
			}
			before, _ := countLoops(t, wasm, nil)
			n := globalCount(t, out)
			check := loopCheck(n-2, n-1, true)
			after, checked := countLoops(t, out, check)
			if after != before || checked != before {
				t.Fatalf("%d loops before, %d after, %d checked", before, after, checked)
			}
		})
	}
}

// globalCount is the size of a module's global index space.
func globalCount(t *testing.T, wasm []byte) uint32 {
	t.Helper()
	n := uint32(0)
	r := &reader{b: wasm, pos: 8}
	for r.pos < len(r.b) {
		id := r.byte()
		body := r.bytes(int(r.u32()))
		switch id {
		case secImport:
			g, err := countImports(body, 0x03)
			if err != nil {
				t.Fatal(err)
			}
			n += g
		case secGlobal:
			n += (&reader{b: body}).u32()
		}
	}
	return n
}

func TestInstrumentRefuses(t *testing.T) {
	header := []byte("\x00asm\x01\x00\x00\x00")
	tests := []struct {
		name string
		wasm []byte
	}{
		{"not wasm", []byte("hello world")},
		{"truncated section", append(header, secCode, 0x10, 0x01)},
		{"unknown opcode", append(header, secCode, 0x05, 0x01, 0x03, 0x00, 0xFF, 0x0B)},
		{"exports the interrupt global", append(append(header, secExport, byte(len(interruptGlobal)+4), 0x01,
			byte(len(interruptGlobal))), append([]byte(interruptGlobal), 0x03, 0x00)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := instrument(tt.wasm); !errors.Is(err, ErrUninstrumentable) {
				t.Fatalf("got %v, want ErrUninstrumentable", err)
			}
		})
	}
}

// A module with neither globals nor exports gets both sections, in order.
func TestInstrumentAddsSections(t *testing.T) {
	// (module (func (loop (br 0))))
	wasm := []byte("\x00asm\x01\x00\x00\x00" +
		"\x01\x04\x01\x60\x00\x00" + // type: () -> ()
		"\x03\x02\x01\x00" + // func 0: type 0
		"\x0a\x09\x01\x07\x00\x03\x40\x0c\x00\x0b\x0b") // code: loop br 0 end end
	out, err := instrument(wasm)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, out)
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	if mod.ExportedGlobal(interruptGlobal) == nil {
		t.Fatalf("no %s export", interruptGlobal)
	}
}

func FuzzInstrument(f *testing.F) {
	for _, name := range []string{"loop", "hostile", "headers"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "wat", name+".wasm"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, wasm []byte) {
		_, _ = instrument(wasm) // must not panic, whatever the input
	})
}
