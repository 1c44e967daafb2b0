package main_test

// The sandbox test runs hostile modules through the real binary: each misbehaviour must
// fail only its own request (or none), leave other routes serving, and get its instance
// replaced so the same module serves again.

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startSandboxNode starts weir with tight sandbox limits so the hostile cases are quick.
func startSandboxNode(t *testing.T, bin string) *node {
	t.Helper()
	n := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t), extraEnv: []string{
		"WEIR_WASM_CALLBACK_TIMEOUT=300",
		"WEIR_WASM_MEMORY_LIMIT=32m",
		"WEIR_WASM_CRASH_BACKOFF=5",
	}}
	n.start(t)
	return n
}

func TestUploadRefusesModulesThatCannotRun(t *testing.T) {
	bin := buildWeir(t)
	n := startSandboxNode(t, bin)
	admin := "http://" + n.admin
	fixtures := filepath.Join(repoRoot(t), "testdata/wat")
	tests := []struct {
		fixture string
		reason  string
	}{
		{"no_marker", "proxy_abi_version"},
		{"bad_import", "proxy_open_the_pod_bay_doors, which the host does not provide"},
		{"bad_signature", "imports env.proxy_log as (i32,i32)->(i32)"},
		{"trap_start", "does not start"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			r := uploadModule(t, admin, tt.fixture, filepath.Join(fixtures, tt.fixture+".wasm"))
			expectStatus(t, "upload", r, 400)
			m := r.json(t)
			fields, _ := m["fields"].(map[string]any)
			if m["name"] != "schema violation" || !strings.Contains(fmt.Sprint(fields["module"]), tt.reason) {
				t.Fatalf("rejection = %s, want a schema violation on module naming %q", r.body, tt.reason)
			}
			expectStatus(t, "nothing stored", do(t, "GET", admin+"/wasm/modules/"+tt.fixture, nil, nil), 404)
		})
	}
}

// TestHostileModules: one module, one route per misbehaviour (the plugin config picks
// it, see testdata/wat/hostile.wat), and a route where the same module behaves.
func TestHostileModules(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startSandboxNode(t, bin)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	expectStatus(t, "upload", uploadModule(t, admin, "hostile", filepath.Join(repoRoot(t), "testdata/wat/hostile.wasm")), 201)
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url=http://"+echoAddr+"/"), 201)
	route := func(name, do string, tags ...string) {
		t.Helper()
		expectStatus(t, "route "+name, form(t, admin+"/services/s/routes", "paths[]=/"+name, "name="+name), 201)
		if do == "" {
			return
		}
		tagJSON := ""
		if len(tags) > 0 {
			tagJSON = `,"tags":["` + strings.Join(tags, `","`) + `"]`
		}
		body := fmt.Sprintf(`{"name":"hostile","config":{"do":%q}%s}`, do, tagJSON)
		expectStatus(t, "plugin on "+name, postJSON(t, admin+"/routes/"+name+"/plugins", body), 201)
	}
	route("plain", "")
	route("ok", "-")
	tests := []struct {
		name, do, method string
		want             int
		tags             []string
	}{
		{"trap-configure", "c", "GET", 500, nil},
		{"trap-context-create", "n", "GET", 500, nil},
		{"trap-request-headers", "h", "GET", 500, nil},
		{"trap-request-body", "b", "POST", 500, nil},
		{"trap-response-headers", "H", "GET", 500, nil},
		{"trap-response-body", "B", "GET", 500, nil},
		// the log phase cannot change a response already made
		{"trap-done", "d", "GET", 200, nil},
		{"trap-log", "l", "GET", 200, nil},
		{"trap-delete", "x", "GET", 200, nil},
		{"endless-loop", "L", "GET", 500, nil},
		{"memory-bomb", "M", "GET", 500, nil},
		{"recursion", "R", "GET", 500, nil},
		{"wild-pointers", "P", "GET", 200, nil},
		{"huge-header-maps", "S", "GET", 200, nil},
		{"fail-open", "h", "GET", 200, []string{"weir:fail-open"}},
	}
	for _, tt := range tests {
		route(tt.name, tt.do, tt.tags...)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := do(t, tt.method, proxy+"/"+tt.name, strings.NewReader("body"), nil)
			expectStatus(t, tt.name, r, tt.want)
			// Normally well under a second (the loop ends at the 300 ms deadline). The
			// bound is loose because unbounded recursion ends in wazero's stack
			// overflow, whose stack copying slows down under CPU contention (seen at
			// 7 s with the whole suite and benchmarks on 2 cores).
			if took := time.Since(start); took > 15*time.Second {
				t.Errorf("the request took %v", took)
			}
			if tt.want == 500 {
				if m := r.json(t); m["message"] != "An unexpected error occurred" || m["request_id"] == "" {
					t.Fatalf("500 body = %s, want Kong's error shape", r.body)
				}
			}
			expectStatus(t, "a route without plugins", do(t, "GET", proxy+"/plain", nil, nil), 200)
			waitServing(t, proxy+"/ok")
		})
	}
	logs := n.logs.String()
	for _, want := range []string{"replacing it in", "skipped (fail open)"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// waitServing polls a route whose plugin behaves until the module answers on it again
// (its crashed instance replaced), and fails after a few seconds.
func waitServing(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := do(t, "GET", url, nil, nil)
		if r.status == 200 && r.header.Get("x-hostile") == "ok" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the module does not serve again: last answer %d %s", r.status, r.body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
