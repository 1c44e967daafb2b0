package main_test

// Helpers shared by the end-to-end tests of the built-in plugins: one node and one
// echo upstream per test function, a service and route per case.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// pluginNode is a running node with an echo upstream.
type pluginNode struct {
	admin, proxy, echo string
}

func startPluginNode(t *testing.T) *pluginNode {
	t.Helper()
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	return &pluginNode{admin: "http://" + n.admin, proxy: "http://" + n.proxy, echo: echoAddr}
}

// route creates a service named name pointing at upstream (the echo server when
// ""), a route on it with the given paths, and the plugin with a JSON config on the
// route.
func (p *pluginNode) route(t *testing.T, name, upstream string, paths []string, plugin, config string) {
	t.Helper()
	if upstream == "" {
		upstream = "http://" + p.echo
	}
	expectStatus(t, "create service "+name, form(t, p.admin+"/services", "name="+name, "url="+upstream), 201)
	args := []string{"name=" + name}
	for _, path := range paths {
		args = append(args, "paths[]="+path)
	}
	expectStatus(t, "create route "+name, form(t, p.admin+"/services/"+name+"/routes", args...), 201)
	if plugin != "" {
		body := fmt.Sprintf(`{"name":%q,"config":%s}`, plugin, config)
		expectStatus(t, "enable "+plugin+" on "+name, postJSON(t, p.admin+"/routes/"+name+"/plugins", body), 201)
	}
}

// echoedFull is everything the echo upstream reports.
type echoedFull struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Path    string            `json:"path"`
	Query   string            `json:"query"`
	Host    string            `json:"host"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func sawFull(t *testing.T, r *response) echoedFull {
	t.Helper()
	var e echoedFull
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("upstream reply is not the echo server's JSON (status %d): %v\n%s", r.status, err, r.body)
	}
	return e
}

// header returns what the upstream saw of a header ("" when absent).
func (e echoedFull) header(name string) string { return e.Headers[http.CanonicalHeaderKey(name)] }

func (e echoedFull) has(name string) bool {
	_, ok := e.Headers[http.CanonicalHeaderKey(name)]
	return ok
}

// expectBody checks a body byte for byte.
func expectBody(t *testing.T, what string, r *response, want string) {
	t.Helper()
	if string(r.body) != want {
		t.Errorf("%s: body %q, want %q", what, r.body, want)
	}
}

// expectHeader checks every value of a response header, joined by "|" ("" = absent).
func expectHeader(t *testing.T, what string, r *response, name, want string) {
	t.Helper()
	if got := strings.Join(r.header.Values(name), "|"); got != want {
		t.Errorf("%s: %s = %q, want %q", what, name, got, want)
	}
}
