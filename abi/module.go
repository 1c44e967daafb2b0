package abi

import (
	"context"
	"fmt"
	"runtime"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// markers maps each ABI marker export to the version it announces, newest first.
var markers = []struct{ export, version string }{
	{"proxy_abi_version_0_2_1", "0.2.1"},
	{"proxy_abi_version_0_2_0", "0.2.0"},
	{"proxy_abi_version_0_1_0", "0.1.0"},
}

// Module is one compiled proxy-wasm binary. It is immutable and safe for concurrent
// use; instantiate it as many times as the pool needs.
type Module struct {
	rt       *Runtime
	compiled wazero.CompiledModule
	version  string
	// arity holds the parameter count of every callback the guest exports, checked
	// against callbackSignatures at compile time.
	arity map[string]int
	// handlesHTTP is HandlesHTTP's answer, asked for every plugin of every request.
	handlesHTTP bool
}

// Compile parses and compiles a binary and checks that this host can run it: it must
// carry an ABI marker, every import must resolve to a registered host function with the
// same signature, and every callback it exports must have the ABI's signature. A
// failure wraps ErrInvalidModule and says why.
func (r *Runtime) Compile(ctx context.Context, wasm []byte) (*Module, error) {
	wasm, err := instrument(wasm)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidModule, err)
	}
	// one compiler a core: the Go bundle's 4,000 functions take seconds of one core,
	// before a node with built-ins enabled is ready and when a change first uses one
	compiled, err := r.rt.CompileModule(experimental.WithCompilationWorkers(ctx, runtime.GOMAXPROCS(0)), wasm)
	if err != nil {
		return nil, fmt.Errorf("%w: compile: %w", ErrInvalidModule, err)
	}
	m := &Module{rt: r, compiled: compiled}
	if err := m.inspect(); err != nil {
		_ = compiled.Close(ctx)
		return nil, err
	}
	return m, nil
}

// HandlesHTTP says whether the module filters HTTP streams: it exports a request or
// response callback. A root-only module (a singleton service, a ticker) gets no HTTP
// contexts, which its SDK might not be able to create.
func (m *Module) HandlesHTTP() bool { return m.handlesHTTP }

// exportsHTTPCallbacks says whether a module with these exports filters HTTP streams.
func exportsHTTPCallbacks(arity map[string]int) bool {
	for _, fn := range []string{fnRequestHeaders, fnRequestBody, fnResponseHeaders, fnResponseBody} {
		if _, ok := arity[fn]; ok {
			return true
		}
	}
	return false
}

// HandlesRequestBody says whether the module exports proxy_on_request_body: a
// streamed request body then goes through it chunk by chunk.
func (m *Module) HandlesRequestBody() bool {
	_, ok := m.arity[fnRequestBody]
	return ok
}

// HandlesResponseBody says whether the module exports proxy_on_response_body: a
// streamed response then goes through it chunk by chunk.
func (m *Module) HandlesResponseBody() bool {
	_, ok := m.arity[fnResponseBody]
	return ok
}

// inspect fills version and arity and checks the imports.
func (m *Module) inspect() error {
	exports := m.compiled.ExportedFunctions()
	for _, mk := range markers {
		if _, ok := exports[mk.export]; ok {
			m.version = mk.version
			break
		}
	}
	if m.version == "" {
		return fmt.Errorf("%w: no proxy_abi_version_0_1_0, _0_2_0 or _0_2_1 export (missing or unknown proxy-wasm ABI version)", ErrInvalidModule)
	}
	arity, err := checkCallbacks(exports)
	if err != nil {
		return err
	}
	m.arity, m.handlesHTTP = arity, exportsHTTPCallbacks(arity)
	if len(m.compiled.ImportedMemories()) > 0 {
		return fmt.Errorf("%w: imports a memory; the host provides none", ErrInvalidModule)
	}
	return m.checkImports()
}

// checkImports resolves every function import against the host modules registered in
// the runtime, so a module that would fail at instantiation fails here, with a reason.
func (m *Module) checkImports() error {
	for _, imp := range m.compiled.ImportedFunctions() {
		mod, name, _ := imp.Import()
		host := m.rt.rt.Module(mod)
		if host == nil {
			return fmt.Errorf("%w: imports %s.%s, but the host has no module %q", ErrInvalidModule, mod, name, mod)
		}
		def, ok := host.ExportedFunctionDefinitions()[name]
		if !ok {
			return fmt.Errorf("%w: imports %s.%s, which the host does not provide", ErrInvalidModule, mod, name)
		}
		if !sameTypes(def.ParamTypes(), imp.ParamTypes()) || !sameTypes(def.ResultTypes(), imp.ResultTypes()) {
			return fmt.Errorf("%w: imports %s.%s as %s, the host provides %s", ErrInvalidModule, mod, name, signature(imp), signature(def))
		}
	}
	return nil
}

// ABIVersion is the version the module's marker announces: "0.1.0", "0.2.0" or "0.2.1".
func (m *Module) ABIVersion() string { return m.version }

// Close releases the compiled code. Instances already made keep working.
func (m *Module) Close(ctx context.Context) error {
	if err := m.compiled.Close(ctx); err != nil {
		return fmt.Errorf("close compiled module: %w", err)
	}
	return nil
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// signature renders a function type for error messages, e.g. "(i32,i64)->(i32)".
func signature(def api.FunctionDefinition) string {
	return "(" + typeList(def.ParamTypes()) + ")->(" + typeList(def.ResultTypes()) + ")"
}

func typeList(ts []api.ValueType) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ","
		}
		s += api.ValueTypeName(t)
	}
	return s
}
