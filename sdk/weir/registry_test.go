package weir

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

type stampConfig struct {
	Value string `json:"value" default:"stamped"`
}

// stamp is a second plugin for modules that carry several: it sets x-stamp.
var stamp = Plugin[stampConfig]{
	Name: "stamp",
	OnRequest: func(r *Request, c *stampConfig) Action {
		_ = r.SetHeader("x-stamp", c.Value)
		return Continue
	},
}

// TestRegisterSeveralPluginsDispatchesByRootID checks which plugin serves a root
// context: by root id when several are registered, the only one whatever the root id
// otherwise, and a clear refusal for a root id no plugin has.
func TestRegisterSeveralPluginsDispatchesByRootID(t *testing.T) {
	tests := []struct {
		name     string
		register func()
		rootID   *string // nil: the host does not answer plugin_root_id
		config   string
		// want is the outcome of one request: "stamp" (x-stamp set), "guard" (401:
		// no token), or "refused" (the configuration fails with wantLog).
		want    string
		wantLog string
	}{
		{name: "root id picks stamp", register: both, rootID: ptr("stamp"), config: `{}`, want: "stamp"},
		{name: "root id picks guard", register: both, rootID: ptr("guard"), config: `{"tag":"t"}`, want: "guard"},
		{name: "unknown root id", register: both, rootID: ptr("nope"), config: `{}`, want: "refused",
			wantLog: `no plugin registered for root id "nope" (this module carries: guard, stamp)`},
		{name: "no root id", register: both, config: `{}`, want: "refused", wantLog: "cannot read plugin_root_id"},
		{name: "one plugin, any root id", register: func() { Register(stamp) }, rootID: ptr("anything"), config: `{}`, want: "stamp"},
		{name: "one plugin, no root id", register: func() { Register(stamp) }, config: `{}`, want: "stamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxywasm.SetVMContext(nil)
			t.Cleanup(func() { proxywasm.SetVMContext(nil) })
			tt.register()
			opt := proxytest.NewEmulatorOption().WithPluginConfiguration([]byte(tt.config))
			if tt.rootID != nil {
				opt = opt.WithRootID(*tt.rootID)
			}
			host, reset := proxytest.NewHostEmulator(opt)
			defer reset()
			st := host.StartPlugin()
			if tt.want == "refused" {
				logs := strings.Join(host.GetErrorLogs(), "\n")
				if st != types.OnPluginStartStatusFailed || !strings.Contains(logs, tt.wantLog) {
					t.Fatalf("OnPluginStart = %v, error logs %q; want failed with %q", st, logs, tt.wantLog)
				}
				return
			}
			if st != types.OnPluginStartStatusOK {
				t.Fatalf("OnPluginStart = %v; errors %q", st, host.GetErrorLogs())
			}
			id := host.InitializeHttpContext()
			host.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}}, true)
			got := "none"
			if first(host.GetCurrentRequestHeaders(id), "x-stamp") == "stamped" {
				got = "stamp"
			} else if lr := host.GetSentLocalResponse(id); lr != nil && lr.StatusCode == 401 {
				got = "guard"
			}
			if got != tt.want {
				t.Fatalf("the request was served by %s, want %s", got, tt.want)
			}
		})
	}
}

func both() {
	Register(guard)
	Register(stamp)
}

func ptr(s string) *string { return &s }
