// Command shared_data counts requests in data shared by every instance of the plugin:
// the tetratelabs SDK's shared_data example, written for weir.
//
// Each request increments a little-endian uint64 under "shared_data_key" with a
// compare-and-swap loop and logs "shared value: N". weir runs several instances of a
// module, and each starts its VM, so OnVMStart creates the value only if it is missing
// (the original resets it, which is only right with one VM).
package main

import (
	"encoding/binary"
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

const sharedDataKey = "shared_data_key"

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) OnVMStart(int) types.OnVMStartStatus {
	if _, _, err := proxywasm.GetSharedData(sharedDataKey); errors.Is(err, types.ErrorStatusNotFound) {
		if err := proxywasm.SetSharedData(sharedDataKey, make([]byte, 8), 0); err != nil {
			proxywasm.LogWarnf("error setting shared data on OnVMStart: %v", err)
		}
	}
	return types.OnVMStartStatusOK
}

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct{ types.DefaultPluginContext }

func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{} }

type httpContext struct{ types.DefaultHttpContext }

func (*httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	for {
		value, err := incrementData()
		if err == nil {
			proxywasm.LogInfof("shared value: %d", value)
			return types.ActionContinue
		}
		if !errors.Is(err, types.ErrorStatusCasMismatch) {
			proxywasm.LogCriticalf("error incrementing shared data: %v", err)
			return types.ActionContinue
		}
		// another instance wrote in between: read again
	}
}

func incrementData() (uint64, error) {
	data, cas, err := proxywasm.GetSharedData(sharedDataKey)
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		return 0, err
	}
	var value uint64
	if len(data) == 8 {
		value = binary.LittleEndian.Uint64(data)
	}
	value++
	buf := binary.LittleEndian.AppendUint64(nil, value)
	if err := proxywasm.SetSharedData(sharedDataKey, buf, cas); err != nil {
		return 0, err
	}
	return value, nil
}
