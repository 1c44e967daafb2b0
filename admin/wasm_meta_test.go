package admin_test

import (
	"testing"

	"github.com/weir-gateway/weir/plugins-wasm/meta"
)

// pluginDoc is the weir.plugin section `weir plugin build` writes: a plugin schema.
const pluginDoc = `{"name":"greeter","version":"1.2.0","priority":1500,"config":{"type":"record","fields":[
 {"greeting":{"type":"string","required":true,"default":"hello"}},
 {"times":{"type":"integer","between":[1,5],"default":1}}]}}`

// TestWasmModuleMetadata: an upload's weir.plugin section gives the module its
// version, priority and config schema, and plugins using the module are validated and
// filled by that schema.
func TestWasmModuleMetadata(t *testing.T) {
	e := newEnv(t)
	bin, err := meta.Append(wasmMagic, []byte(pluginDoc))
	if err != nil {
		t.Fatal(err)
	}
	ct, body := multipartBody(t, map[string]string{"name": "greeter"}, bin)
	m := e.want(e.do("POST", "/wasm/modules", ct, body), 201)
	if m["version"] != "1.2.0" || m["priority"] != 1500.0 || m["schema"] == nil {
		t.Fatalf("module %v", m)
	}
	ct, body = multipartBody(t, map[string]string{"name": "greeter-low", "priority": "7"}, bin)
	if low := e.want(e.do("POST", "/wasm/modules", ct, body), 201); low["priority"] != 7.0 {
		t.Fatalf("an explicit priority must win: %v", low)
	}

	p := e.want(e.json("POST", "/plugins", `{"name":"greeter","config":{"times":3}}`), 201)
	jsonEq(t, p["config"], `{"greeting":"hello","times":3}`)
	bad := e.want(e.json("POST", "/routes", `{"name":"r","paths":["/r"]}`), 201)
	e.want(e.json("POST", "/routes/"+bad["id"].(string)+"/plugins", `{"name":"greeter","config":{"times":9}}`), 400)

	info := e.want(e.do("GET", "/", "", nil), 200)
	avail := info["plugins"].(map[string]any)["available_on_server"].(map[string]any)["greeter"].(map[string]any)
	if avail["version"] != "1.2.0" || avail["priority"] != 1500.0 {
		t.Fatalf("available_on_server: %v", avail)
	}
	schema := e.want(e.do("GET", "/schemas/plugins/greeter", "", nil), 200)
	if schema["fields"] == nil {
		t.Fatalf("no schema served for the module: %v", schema)
	}

	broken, err := meta.Append(wasmMagic, []byte(`{"name":"x","config":{"type":"string"}}`))
	if err != nil {
		t.Fatal(err)
	}
	ct, body = multipartBody(t, map[string]string{"name": "broken-schema"}, broken)
	e.want(e.do("POST", "/wasm/modules", ct, body), 400)
}
