package wasmpool

import (
	"context"
	"fmt"

	"github.com/weir-gateway/weir/abi"
)

// OpenNetwork creates a network (L4) context for plugin on this slot's instance for
// one TCP connection, creating the plugin's root context there if needed, as Open does
// for an HTTP stream. Call release when the connection is done with it.
func (s *Slot) OpenNetwork(ctx context.Context, plugin *Plugin, conn abi.HTTPStream) (nc *abi.NetworkContext, release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, err := s.instanceLocked(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("plugin %s: %w", plugin.Name, err)
	}
	s.pruneLocked(ctx)
	r, err := s.rootLocked(ctx, inst, plugin)
	if err != nil {
		s.checkLocked(ctx)
		return nil, nil, err
	}
	nc, err = inst.NewNetwork(ctx, r.root, conn)
	if err != nil {
		s.checkLocked(ctx)
		return nil, nil, fmt.Errorf("plugin %s: new network context: %w", plugin.Name, err)
	}
	r.refs++
	s.active.Add(1)
	return nc, func() { s.release(context.WithoutCancel(ctx), plugin.Key, r) }, nil
}
