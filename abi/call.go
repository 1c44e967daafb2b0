package abi

import (
	"context"
	"fmt"
)

// enter takes the instance for one public operation; a failed instance is refused
// before any guest code runs (wazero would run a closed module up to its first host
// call).
func (i *Instance) enter() error {
	i.mu.Lock()
	if i.failed.Load() {
		i.mu.Unlock()
		return fmt.Errorf("%w: instance retired after an earlier failure", ErrInstanceFailed)
	}
	return nil
}

// leave releases the instance and returns what the callbacks deferred, to be run by
// the caller once mu is free, so a stream may call back into the pool safely.
func (i *Instance) leave() []func() {
	d := i.call.deferred
	if l := i.call.local; l != nil {
		d = append([]func(){func() { l.stream.SendLocalResponse(l.resp) }}, d...)
	}
	i.call = callState{}
	i.mu.Unlock()
	return d
}

// leaveAndRun releases the instance and runs the deferred actions.
func (i *Instance) leaveAndRun() {
	for _, f := range i.leave() {
		f()
	}
}

// invoke calls one exported callback with c as the current context, under the callback
// deadline (the instance's watchdog). Any error (trap, exit, deadline) retires the
// instance: wazero leaves a trapped instance callable but its guest state is unknown.
// mu must be held. Parameters and results go through the instance's reusable stack,
// so a call allocates nothing on the host side. n is the callback's callbackIndex.
func (i *Instance) invoke(_ context.Context, c *contextState, ph phase, n int, args ...uint64) (uint64, error) {
	fn, ok := i.export(n)
	if !ok {
		return 0, nil
	}
	name := callbackNames[n]
	if i.failed.Load() {
		return 0, fmt.Errorf("%w: %s not called: instance retired", ErrInstanceFailed, name)
	}
	i.call.current, i.call.phase = c, ph
	stack := i.stack[:max(len(args), 1)]
	copy(stack, args)
	started := i.watch.start()
	err := fn.fn.CallWithStack(i.cctx, stack)
	i.statsOf(c, n, fn).observe(i.watch.stop() - started)
	if err == nil && i.failed.Load() {
		err = fmt.Errorf("a nested guest call failed")
	}
	if err != nil {
		plugin := i.pluginOf(c)
		i.failedIn.CompareAndSwap(nil, &plugin)
		i.failed.Store(true)
		i.svc.Log(i.pluginOf(c), LogError, fmt.Sprintf("wasm callback %s failed, retiring the instance: %v", name, err))
		return 0, fmt.Errorf("%w: %s (context %d): %w", ErrInstanceFailed, name, contextID(c), err)
	}
	if fn.results == 0 {
		return 0, nil
	}
	return stack[0], nil
}

// export is the cached export of callback n (a callbackIndex); false when the module
// does not export it.
func (i *Instance) export(n int) (export, bool) {
	if n < 0 {
		return export{}, false
	}
	return i.fns[n], i.fns[n].fn != nil
}

// exports says whether the module exports the callback called name.
func (i *Instance) exports(name string) bool {
	_, ok := i.export(callbackIndex(name))
	return ok
}

// statsOf is where a call of fn (callback n) in context c is timed: the export's own
// statistics (labelled with the VM id), or, for a plugin that shares its module with
// others, that plugin's.
func (i *Instance) statsOf(c *contextState, n int, fn export) *CallbackStats {
	if c == nil {
		return fn.stats
	}
	r := c.plugin()
	if r.stats == nil {
		return fn.stats
	}
	s := r.stats[n]
	if s == nil {
		s = i.mod.rt.callbacks.get(r.pluginName, callbackNames[n])
		r.stats[n] = s
	}
	return s
}

func (i *Instance) callVoid(ctx context.Context, c *contextState, ph phase, name string, args ...uint64) error {
	_, err := i.invoke(ctx, c, ph, callbackIndex(name), args...)
	return err
}

// callBool calls a callback answering a proxy-wasm bool; an absent export counts as true.
func (i *Instance) callBool(ctx context.Context, c *contextState, ph phase, name string, args ...uint64) (bool, error) {
	n := callbackIndex(name)
	if _, ok := i.export(n); !ok {
		return true, nil
	}
	r, err := i.invoke(ctx, c, ph, n, args...)
	return uint32(r) != 0, err
}

// callAction calls a stream callback. Values above PAUSE are clamped to PAUSE (as
// cpp-host does), and a callback that sent a local response pauses the chain. n is
// the callback's callbackIndex.
func (i *Instance) callAction(ctx context.Context, c *contextState, n int, args ...uint64) (Action, error) {
	r, err := i.invoke(ctx, c, phaseOther, n, args...)
	if err != nil {
		return ActionContinue, err
	}
	if uint32(r) != uint32(ActionContinue) || i.call.local != nil {
		return ActionPause, nil
	}
	return ActionContinue, nil
}

// pluginOf names the plugin a context belongs to, for log lines.
func (i *Instance) pluginOf(c *contextState) string {
	if c == nil {
		return ""
	}
	return c.plugin().pluginName
}

func contextID(c *contextState) uint32 {
	if c == nil {
		return 0
	}
	return c.id
}
