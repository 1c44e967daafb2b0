package proxytest

import (
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

// WithVMID sets the VM id (weir: the module's name), which names the plugin's shared
// queues for ResolveSharedQueue. The default is "plugin".
func (o *EmulatorOption) WithVMID(id string) *EmulatorOption {
	o.vmID = id
	return o
}

func pathKey(path []string) string { return strings.Join(path, "\x00") }
