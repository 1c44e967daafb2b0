package plugintest

import (
	"os"
	"strings"
	"testing"
)

// exampleWasm reads an SDK example built by `make plugins`.
func exampleWasm(t *testing.T, name string) []byte {
	t.Helper()
	wasm, err := os.ReadFile("../../sdk/examples/" + name + "/" + name + ".wasm")
	if err != nil {
		t.Fatalf("%v (run `make plugins`)", err)
	}
	return wasm
}

func TestUploadedModuleRunsOnTheRoute(t *testing.T) {
	gw := Start(t, Options{})
	if err := gw.Upload("add-header", exampleWasm(t, "add_header")); err != nil {
		t.Fatal(err)
	}
	resp, err := gw.Get("/before?x=1")
	if err != nil || resp.Status != 200 || resp.Upstream == nil || resp.Upstream.Header.Get("x-added") != "" {
		t.Fatalf("before enabling: %+v, %v", resp, err)
	}
	if _, err := gw.Enable("add-header", map[string]any{"header": "x-added", "value": "yes"}); err != nil {
		t.Fatal(err)
	}
	resp, err = gw.Send("POST", "/anything/deep?x=1", []byte("hello"), "x-client", "c")
	if err != nil {
		t.Fatal(err)
	}
	up := resp.Upstream
	if resp.Status != 200 || up == nil {
		t.Fatalf("got %d %s", resp.Status, resp.Body)
	}
	if up.Method != "POST" || up.Path != "/anything/deep" || up.Query != "x=1" || up.Body != "hello" ||
		up.Header.Get("x-client") != "c" || up.Header.Get("x-added") != "yes" {
		t.Fatalf("upstream saw %+v", up)
	}
	if resp.Header.Get("x-added") != "yes" {
		t.Fatalf("response headers %v", resp.Header)
	}
}

func TestBuiltinsAndAdminAPI(t *testing.T) {
	gw := Start(t, Options{})
	if _, err := gw.Enable("key-auth", nil); err != nil {
		t.Fatal(err)
	}
	if err := gw.Admin("POST", "/consumers", map[string]any{"username": "alice"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := gw.Admin("POST", "/consumers/alice/key-auth", map[string]any{"key": "secret"}, nil); err != nil {
		t.Fatal(err)
	}
	resp, err := gw.Get("/")
	if err != nil || resp.Status != 401 || resp.Upstream != nil || !strings.Contains(string(resp.Body), "No API key found") {
		t.Fatalf("without a key: %+v, %v", resp, err)
	}
	resp, err = gw.Get("/", "apikey", "secret")
	if err != nil || resp.Status != 200 || resp.Upstream.Header.Get("X-Consumer-Username") != "alice" {
		t.Fatalf("with the key: %+v, %v", resp, err)
	}
}

func TestBadModuleIsRefused(t *testing.T) {
	gw := Start(t, Options{})
	err := gw.Upload("junk", []byte("not wasm"))
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("Upload of junk: %v, want the Admin API's 400", err)
	}
	if _, err := gw.Enable("junk", nil); err == nil {
		t.Fatal("enabled a module that was refused")
	}
}

func TestPluginLogsAreKept(t *testing.T) {
	gw := Start(t, Options{})
	if err := gw.Upload("http-headers", exampleWasm(t, "http_headers")); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Enable("http-headers", map[string]any{"header": "x-h", "value": "v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Get("/", "x-marker", "m-123"); err != nil {
		t.Fatal(err)
	}
	if logs := gw.Logs(); !strings.Contains(logs, "m-123") {
		t.Fatalf("the plugin's log lines are missing:\n%s", logs)
	}
}
