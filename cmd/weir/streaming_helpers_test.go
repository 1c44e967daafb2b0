package main_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// streamOrderWait bounds how long one side of a streaming test waits for the other to
// see the first chunk: long enough that a buffering proxy fails by order, not timing.
const streamOrderWait = 10 * time.Second

// cameFirst reports whether seen closed before streamOrderWait passed.
func cameFirst(seen <-chan struct{}) bool {
	select {
	case <-seen:
		return true
	case <-time.After(streamOrderWait):
		return false
	}
}

// streamRoutes uploads testdata/wat/<fixture>_<name>.wasm as module <module>-<name> for
// each name, and enables it on a route /<name> of service s with option set (e.g.
// "response_buffering=false").
func streamRoutes(t *testing.T, admin, module, fixture, option string, names ...string) {
	t.Helper()
	fixtures := filepath.Join(repoRoot(t), "testdata", "wat")
	for _, name := range names {
		mod := module + "-" + name
		expectStatus(t, "upload "+mod, uploadModule(t, admin, mod, filepath.Join(fixtures, fixture+"_"+name+".wasm")), 201)
		expectStatus(t, "route "+name, form(t, admin+"/services/s/routes", "name="+name, "paths[]=/"+name,
			option, "strip_path=false"), 201)
		expectStatus(t, "plugin "+mod, postJSON(t, admin+"/routes/"+name+"/plugins",
			fmt.Sprintf(`{"name":%q,"config":{}}`, mod)), 201)
	}
}
