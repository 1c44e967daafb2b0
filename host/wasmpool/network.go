package wasmpool

import (
	"context"

	"github.com/weir-gateway/weir/abi"
)

// OpenNetwork creates a network (L4) context for plugin on this slot's instance for
// one TCP connection, creating the plugin's root context there if needed, as Open does
// for an HTTP stream. Call release when the connection is done with it.
func (s *Slot) OpenNetwork(ctx context.Context, plugin *Plugin, conn abi.HTTPStream) (nc *abi.NetworkContext, lease Lease, err error) {
	return openContext(ctx, s, plugin, "network", func(inst *abi.Instance, r *abi.Root) (*abi.NetworkContext, error) {
		return inst.NewNetwork(ctx, r, conn)
	})
}
