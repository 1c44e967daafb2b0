package proxytest

import (
	"encoding/binary"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// EmulatorOption configures NewHostEmulator. Build it with NewEmulatorOption and the
// With methods, which return the option so calls chain.
type EmulatorOption struct {
	vmContext    types.VMContext
	pluginConfig []byte
	vmConfig     []byte
	properties   map[string][]byte
	vmID         string
}

// NewEmulatorOption returns an empty option: the plugin's own VM context (the one its
// init registered), no configurations, no properties.
func NewEmulatorOption() *EmulatorOption {
	return &EmulatorOption{properties: map[string][]byte{}, vmID: "plugin"}
}

// WithVMContext runs ctx instead of the VM context the plugin registered in init.
func (o *EmulatorOption) WithVMContext(ctx types.VMContext) *EmulatorOption {
	o.vmContext = ctx
	return o
}

// WithPluginConfiguration sets what GetPluginConfiguration returns (in weir, the
// plugin's config as JSON).
func (o *EmulatorOption) WithPluginConfiguration(data []byte) *EmulatorOption {
	o.pluginConfig = data
	return o
}

// WithVMConfiguration sets what GetVMConfiguration returns.
func (o *EmulatorOption) WithVMConfiguration(data []byte) *EmulatorOption {
	o.vmConfig = data
	return o
}

// WithProperty sets a property the plugin reads with GetProperty, replacing any
// earlier value of that path.
func (o *EmulatorOption) WithProperty(path []string, value []byte) *EmulatorOption {
	o.properties[pathKey(path)] = value
	return o
}

// WithPropertyMap sets a property whose value is a map, which the plugin reads with
// GetPropertyMap: pairs are encoded as the ABI encodes header maps. An L4 plugin's
// upstream cluster metadata, for one:
//
//	WithPropertyMap([]string{"cluster_metadata", "filter_metadata", "location"},
//		[][2]string{{"region", "ap-northeast-1"}})
func (o *EmulatorOption) WithPropertyMap(path []string, pairs [][2]string) *EmulatorOption {
	return o.WithProperty(path, encodePairs(pairs))
}

// WithRootID sets the plugin context's root id (the plugin_root_id property), which
// picks the plugin in a module that registers several (proxywasm.AddPluginContext).
func (o *EmulatorOption) WithRootID(id string) *EmulatorOption {
	return o.WithProperty([]string{"plugin_root_id"}, []byte(id))
}

// WithVMID sets the VM id (weir: the module's name), which names the plugin's shared
// queues for ResolveSharedQueue. The default is "plugin".
func (o *EmulatorOption) WithVMID(id string) *EmulatorOption {
	o.vmID = id
	return o
}

func pathKey(path []string) string { return strings.Join(path, "\x00") }

// encodePairs serializes a map as proxy-wasm does: the pair count, each key's and
// value's length, then every key and value followed by a NUL (lengths u32 LE).
func encodePairs(pairs [][2]string) []byte {
	size := 4
	for _, p := range pairs {
		size += 8 + len(p[0]) + len(p[1]) + 2
	}
	out := binary.LittleEndian.AppendUint32(make([]byte, 0, size), uint32(len(pairs)))
	for _, p := range pairs {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(p[0])))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(p[1])))
	}
	for _, p := range pairs {
		out = append(append(out, p[0]...), 0)
		out = append(append(out, p[1]...), 0)
	}
	return out
}
