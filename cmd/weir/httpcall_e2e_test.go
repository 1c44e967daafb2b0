package main_test

// proxy_http_call through the real binary: a plugin (testdata/wat/http_call.wat) pauses
// the request, dispatches calls, and resumes it when every answer is in.

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestHTTPCallPausesAndResumes(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startSandboxNode(t, bin)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	expectStatus(t, "upload", uploadModule(t, admin, "http-call", filepath.Join(repoRoot(t), "testdata/wat/http_call.wasm")), 201)
	expectStatus(t, "service", form(t, admin+"/services", "name=echo", "url=http://"+echoAddr+"/"), 201)
	expectStatus(t, "route", form(t, admin+"/services/echo/routes", "paths[]=/call", "name=call"), 201)
	expectStatus(t, "plugin", postJSON(t, admin+"/routes/call/plugins", `{"name":"http-call","config":{}}`), 201)

	tests := []struct {
		name     string
		header   map[string]string
		want     int
		statuses string // x-call-status as the upstream saw it
		failed   string // x-call-failed as the upstream saw it
	}{
		{"no call", nil, 200, "", ""},
		{"a weir service by name", map[string]string{"x-call-upstream": "echo"}, 200, "200", ""},
		{"host:port", map[string]string{"x-call-upstream": echoAddr}, 200, "200", ""},
		{"three in flight", map[string]string{"x-call-upstream": "echo", "x-calls": "3"}, 200, "200, 200, 200", ""},
		{"a failed call is answered with no headers", map[string]string{"x-call-upstream": "127.0.0.1:1"}, 200, "", "1"},
		{"a call without :path is BAD_ARGUMENT", map[string]string{"x-call-upstream": "echo", "x-call-bad": "1"}, 200, "200", ""},
		// the fixture traps when a call it expects to start does not: BAD_ARGUMENT
		{"an unknown upstream is refused", map[string]string{"x-call-upstream": "no such service"}, 500, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, "GET", proxy+"/call", nil, tt.header)
			expectStatus(t, tt.name, r, tt.want)
			if tt.want != 200 {
				return
			}
			saw := upstreamSaw(t, r)
			if got := saw.Headers["X-Call-Status"]; got != tt.statuses {
				t.Errorf("upstream saw x-call-status %q, want %q", got, tt.statuses)
			}
			if got := saw.Headers["X-Call-Failed"]; got != tt.failed {
				t.Errorf("upstream saw x-call-failed %q, want %q", got, tt.failed)
			}
		})
	}
	if strings.Contains(n.logs.String(), "did not resume") {
		t.Errorf("a request timed out in its pause:\n%s", n.logs)
	}
}
