package abi

import (
	"context"
	"fmt"
)

// Root is one root (plugin) context: one enabled plugin configuration on one instance.
type Root struct {
	inst  *Instance
	state *contextState
}

// HTTPContext is one HTTP stream's context under a Root. Its methods must be called in
// stream order and Finish exactly once. It must not be copied once opened.
type HTTPContext struct {
	inst  *Instance
	state *contextState
	// own is the state's storage, so that a caller keeping HTTPContexts from request to
	// request (the pipeline's pooled exchanges) opens them without allocating.
	own contextState
	// state points into the context itself: go vet's copylocks check reports a copy.
	_ noCopy
}

// noCopy makes go vet report a copy of the struct that holds it (copylocks).
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// NewRoot creates a root context for one plugin configuration: proxy_on_context_create
// (id, 0) then proxy_on_configure with config (readable as buffer type 7, and through
// 0.1.0's proxy_get_configuration). rootID may be "" (the default root). A false from
// proxy_on_configure wraps ErrConfigureRejected and the context is deleted.
func (i *Instance) NewRoot(ctx context.Context, pluginName, rootID string, config []byte) (*Root, error) {
	if err := i.enter(); err != nil {
		return nil, err
	}
	defer i.leaveAndRun()
	c := i.newContext(nil, pluginName, rootID, config)
	if pluginName != "" && pluginName != i.vmID {
		c.stats = new([numCallbacks]*CallbackStats)
	}
	if err := i.callVoid(ctx, c, phaseOther, fnContextCreate, uint64(c.id), 0); err != nil {
		i.drop(c)
		return nil, err
	}
	ok, err := i.callBool(ctx, c, phaseConfigure, fnConfigure, uint64(c.id), uint64(len(config)))
	if err == nil && !ok {
		err = fmt.Errorf("%w: plugin %s (root id %q): proxy_on_configure returned false", ErrConfigureRejected, pluginName, rootID)
		_ = i.callVoid(ctx, c, phaseOther, fnDelete, uint64(c.id))
	}
	if err != nil {
		i.drop(c)
		return nil, err
	}
	return &Root{inst: i, state: c}, nil
}

// Close ends the root context: proxy_on_done, then proxy_on_delete. A guest that
// answers false from on_done is deleted anyway (the host has no pending state for
// roots); failures are logged and retire the instance.
func (r *Root) Close(ctx context.Context) {
	i := r.inst
	if err := i.enter(); err != nil {
		i.forget(r.state)
		return
	}
	defer i.leaveAndRun()
	defer i.drop(r.state)
	if _, err := i.callBool(ctx, r.state, phaseOther, fnDone, uint64(r.state.id)); err != nil {
		return
	}
	_ = i.callVoid(ctx, r.state, phaseOther, fnDelete, uint64(r.state.id))
}

// NewHTTP creates an HTTP context under root for one stream: proxy_on_context_create
// (id, root id), unless the plugin keeps no stream contexts (skipStreamContext).
func (i *Instance) NewHTTP(ctx context.Context, root *Root, s HTTPStream) (*HTTPContext, error) {
	h := new(HTTPContext)
	if err := i.OpenHTTP(ctx, root, s, h); err != nil {
		return nil, err
	}
	return h, nil
}

// OpenHTTP is NewHTTP in storage the caller keeps: h is overwritten, and must neither
// move nor be opened again until its Finish has returned. Every plugin of every request
// opens one, so the pipeline keeps them in its exchanges.
func (i *Instance) OpenHTTP(ctx context.Context, root *Root, s HTTPStream, h *HTTPContext) error {
	if root == nil || root.inst != i {
		return fmt.Errorf("new http context: root belongs to another instance")
	}
	if err := i.enter(); err != nil {
		return err
	}
	defer i.leaveAndRun()
	if !i.isOpen(root.state) {
		return fmt.Errorf("new http context: root context %d is closed", root.state.id)
	}
	h.inst = i
	if root.state.skip&skipStreamContext != 0 {
		h.state = i.initUnfiled(&h.own, root.state)
		h.state.stream = s
		return nil
	}
	h.state = i.initContext(&h.own, root.state, "", "", nil)
	h.state.stream = s
	if err := i.callVoid(ctx, h.state, phaseOther, fnContextCreate, uint64(h.state.id), uint64(root.state.id)); err != nil {
		i.drop(h.state)
		return err
	}
	return nil
}

// forget drops a context's state without calling the guest (the instance has failed).
func (i *Instance) forget(c *contextState) {
	i.mu.Lock()
	i.drop(c)
	i.mu.Unlock()
}

// drop forgets a context and cancels what it started (HTTP calls, its tick). mu is held.
func (i *Instance) drop(c *contextState) {
	if !c.unfiled {
		delete(i.contextsOf(c), c.id)
	}
	i.cancelCalls(c)
	stopTick(c)
}
