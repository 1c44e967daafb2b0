package abi

import (
	"context"
	"fmt"
)

// PeerType is proxy_peer_type_t: which side closed a connection.
type PeerType uint32

// Peer types.
const (
	PeerUnknown PeerType = 0
	PeerLocal   PeerType = 1
	PeerRemote  PeerType = 2
)

// NetworkContext is one TCP connection's context under a Root (an L4 filter, Envoy's
// network filter). The connection is handed over as an HTTPStream: its Map answers nil
// (a connection has no headers), its Buffer serves BufferDownstreamData and
// BufferUpstreamData (the data of the current data callback, or what a paused
// direction holds), and a local response means nothing on it. Methods must be called
// in connection order and Finish exactly once.
type NetworkContext struct {
	h HTTPContext
}

// HandlesNetwork says whether the module filters TCP connections: it exports an L4
// callback. A module that exports none gets no network contexts.
func (m *Module) HandlesNetwork() bool {
	for _, fn := range []string{fnNewConnection, fnDownstreamData, fnUpstreamData, fnDownstreamClose, fnUpstreamClose} {
		if _, ok := m.arity[fn]; ok {
			return true
		}
	}
	return false
}

// NewNetwork creates a network context under root for one connection:
// proxy_on_context_create (id, root id). Call OnNewConnection next.
func (i *Instance) NewNetwork(ctx context.Context, root *Root, conn HTTPStream) (*NetworkContext, error) {
	if root == nil || root.inst != i {
		return nil, fmt.Errorf("new network context: root belongs to another instance")
	}
	if err := i.enter(); err != nil {
		return nil, err
	}
	defer i.leaveAndRun()
	if !i.isOpen(root.state) {
		return nil, fmt.Errorf("new network context: root context %d is closed", root.state.id)
	}
	c := i.newContext(root.state, "", "", nil)
	c.stream = conn
	if err := i.callVoid(ctx, c, phaseOther, fnContextCreate, uint64(c.id), uint64(root.state.id)); err != nil {
		i.drop(c)
		return nil, err
	}
	return &NetworkContext{h: HTTPContext{inst: i, state: c}}, nil
}

// OnNewConnection runs proxy_on_new_connection.
func (n *NetworkContext) OnNewConnection(ctx context.Context) (Action, error) {
	return n.action(ctx, fnNewConnection, uint64(n.h.state.id))
}

// OnDownstreamData runs proxy_on_downstream_data with the size of the data the
// connection holds from the client (BufferDownstreamData); endOfStream says the
// client closed its side.
func (n *NetworkContext) OnDownstreamData(ctx context.Context, size int, endOfStream bool) (Action, error) {
	return n.data(ctx, fnDownstreamData, BufferDownstreamData, size, endOfStream)
}

// OnUpstreamData runs proxy_on_upstream_data, like OnDownstreamData for the data from
// the upstream (BufferUpstreamData).
func (n *NetworkContext) OnUpstreamData(ctx context.Context, size int, endOfStream bool) (Action, error) {
	return n.data(ctx, fnUpstreamData, BufferUpstreamData, size, endOfStream)
}

// OnDownstreamClose runs proxy_on_downstream_connection_close: the client's side of
// the connection closed, by the client (PeerRemote) or by weir (PeerLocal).
func (n *NetworkContext) OnDownstreamClose(ctx context.Context, peer PeerType) error {
	return n.void(ctx, fnDownstreamClose, peer)
}

// OnUpstreamClose runs proxy_on_upstream_connection_close, like OnDownstreamClose for
// the connection to the upstream.
func (n *NetworkContext) OnUpstreamClose(ctx context.Context, peer PeerType) error {
	return n.void(ctx, fnUpstreamClose, peer)
}

// Finish ends the connection's context: proxy_on_done, proxy_on_log (the Go SDKs'
// OnStreamDone), proxy_on_delete, as for an HTTP stream.
func (n *NetworkContext) Finish(ctx context.Context) { n.h.Finish(ctx) }

// action calls an L4 callback answering an action, or answers Continue when the guest
// exports none.
func (n *NetworkContext) action(ctx context.Context, name string, args ...uint64) (Action, error) {
	i := n.h.inst
	if _, ok := i.mod.arity[name]; !ok {
		return ActionContinue, nil
	}
	if err := i.enter(); err != nil {
		return ActionContinue, err
	}
	defer i.leaveAndRun()
	return i.callAction(ctx, n.h.state, callbackIndex(name), args...)
}

// data calls a data callback, recording its end of stream for
// proxy_get_buffer_status under the instance's lock (the two directions of a
// connection run on goroutines of their own).
func (n *NetworkContext) data(ctx context.Context, name string, t BufferType, size int, eos bool) (Action, error) {
	i := n.h.inst
	if _, ok := i.mod.arity[name]; !ok {
		return ActionContinue, nil
	}
	if err := i.enter(); err != nil {
		return ActionContinue, err
	}
	defer i.leaveAndRun()
	n.h.state.bodyEnded[t] = eos
	return i.callAction(ctx, n.h.state, callbackIndex(name), uint64(n.h.state.id), uint64(uint32(size)), boolArg(eos))
}

func (n *NetworkContext) void(ctx context.Context, name string, peer PeerType) error {
	i := n.h.inst
	if _, ok := i.mod.arity[name]; !ok {
		return nil
	}
	if err := i.enter(); err != nil {
		return err
	}
	defer i.leaveAndRun()
	return i.callVoid(ctx, n.h.state, phaseOther, name, uint64(n.h.state.id), uint64(peer))
}
