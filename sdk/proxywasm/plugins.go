package proxywasm

import (
	"sort"
	"strconv"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// AddPluginContext registers a factory of plugin contexts under name, so one module can
// carry several plugins (weir's built-ins ship as one module this way, one Go runtime
// for all of them). A root context is served by the plugin whose name equals its root
// id, the plugin_root_id property; with only one plugin registered, that plugin serves
// every root id, as SetPluginContext's does. Registering a name again replaces it.
//
// The plugin is chosen once, when the root context is created: its HTTP contexts go
// straight to it, with no cost per request. A root id that names no plugin, when there
// are several, fails at configure with a log line that lists the plugins there are.
// SetVMContext, SetPluginContext and SetHttpContext drop every plugin added here.
func AddPluginContext(name string, newPlugin func(contextID uint32) types.PluginContext) {
	set, ok := vm.vm.(*pluginSet)
	if !ok {
		set = &pluginSet{byName: map[string]func(uint32) types.PluginContext{}}
		SetVMContext(set)
	}
	set.byName[name] = newPlugin
}

// propPluginRootID is the property naming a root context's root id, as Envoy has it.
var propPluginRootID = []string{"plugin_root_id"}

// pluginSet is the VM context AddPluginContext installs: plugin factories by name.
type pluginSet struct {
	types.DefaultVMContext
	byName map[string]func(uint32) types.PluginContext
}

func (s *pluginSet) NewPluginContext(id uint32) types.PluginContext {
	if len(s.byName) == 1 {
		for _, newPlugin := range s.byName {
			return newPlugin(id)
		}
	}
	rootID, err := GetProperty(propPluginRootID)
	if err != nil {
		return &unknownPlugin{reason: "cannot read plugin_root_id: " + err.Error(), names: s.names()}
	}
	if newPlugin, ok := s.byName[string(rootID)]; ok {
		return newPlugin(id)
	}
	return &unknownPlugin{reason: "no plugin registered for root id " + strconv.Quote(string(rootID)), names: s.names()}
}

func (s *pluginSet) names() []string {
	out := make([]string, 0, len(s.byName))
	for name := range s.byName {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// unknownPlugin stands for a root context no registered plugin serves: it refuses its
// configuration, saying why, and serves no stream.
type unknownPlugin struct {
	types.DefaultPluginContext
	reason string
	names  []string
}

func (u *unknownPlugin) OnPluginStart(int) types.OnPluginStartStatus {
	LogErrorf("%s (this module carries: %s)", u.reason, strings.Join(u.names, ", "))
	return types.OnPluginStartStatusFailed
}
