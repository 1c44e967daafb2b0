package pipeline

import (
	"context"
	"log/slog"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/host/wasmpool"
)

// chain runs the plugins of one exchange. The request phase walks plugin names in
// priority order and resolves each one's config when its turn comes, so a consumer that
// an earlier auth plugin identified selects consumer-scoped configs of later plugins.
//
// A chain lives inside its Exchange, and its lists start in arrays of its own, so
// dispatching a request through up to inlineSteps plugins allocates nothing here.
type chain struct {
	exchange *Exchange
	logger   *slog.Logger
	steps    []*step
	// pins pins the exchange to one instance per module.
	pins []pin

	// detached is the context of the exchange's end (finish).
	detached detachedContext

	stepBuf    [inlineSteps]step
	stepPtrBuf [inlineSteps]*step
	pinBuf     [inlineSteps]pin
}

// inlineSteps is how many plugins (and modules) an exchange's chain holds without
// allocating.
const inlineSteps = 8

// pin is the instance (slot) of a module that serves the exchange.
type pin struct {
	pool *wasmpool.Pool
	slot *wasmpool.Slot
}

// reset readies c for exchange e; c must not be copied afterwards (its lists point
// into its own arrays).
func (c *chain) reset(e *Exchange, logger *slog.Logger) {
	*c = chain{exchange: e, logger: logger}
	c.steps, c.pins = c.stepPtrBuf[:0], c.pinBuf[:0]
}

// slot is the exchange's instance of pool's module, picked on first use.
func (c *chain) slot(pool *wasmpool.Pool) *wasmpool.Slot {
	for i := range c.pins {
		if c.pins[i].pool == pool {
			return c.pins[i].slot
		}
	}
	s := pool.Pick()
	c.pins = append(c.pins, pin{pool: pool, slot: s})
	return s
}

// newStep is storage for the next step, from the inline array while it lasts.
func (c *chain) newStep() *step {
	if n := len(c.steps); n < len(c.stepBuf) {
		return &c.stepBuf[n]
	}
	return new(step)
}

// step is one plugin that took part: its HTTP context and how to let go of it. The
// context is kept here, in the exchange's storage, so that opening one allocates
// nothing; a step is therefore never copied.
type step struct {
	plugin *snapshot.Plugin
	http   abi.HTTPContext
	lease  wasmpool.Lease
	// skipped is set when a fail-open plugin failed: it sits out the rest of the
	// exchange.
	skipped bool
}

// requestPhase runs request headers, then request body, through the plugins. It
// returns false when the exchange must not go upstream (a plugin answered or failed).
func (c *chain) requestPhase(ctx context.Context) bool {
	e := c.exchange
	route, service := e.match.Route.ID, e.service.ID
	streamed := e.Request.Body.Stream() != nil
	body := streamed || len(e.Request.Body.Bytes()) > 0
	plugins := e.snap.RoutePlugins(e.match.Route, service)
	for i := range plugins.Names {
		p := c.resolve(plugins, i, route)
		if p == nil {
			continue
		}
		st, ok := c.open(ctx, p)
		if !ok {
			c.openForLog(ctx, plugins, i+1, route)
			return false
		}
		if st == nil {
			continue // failed open, or root-only
		}
		if !c.run(ctx, st, func() (abi.Action, error) { return st.http.OnRequestHeaders(ctx, !body) }) {
			c.openForLog(ctx, plugins, i+1, route)
			return false
		}
	}
	if !body {
		return true
	}
	if streamed {
		// each chunk goes through the body callbacks as the upstream client reads it
		// (bodystream.go)
		c.filterRequestStream(ctx)
		return true
	}
	for _, st := range c.steps {
		size := len(e.Request.Body.Bytes())
		if !c.run(ctx, st, func() (abi.Action, error) { return st.http.OnRequestBody(ctx, size, true) }) {
			return false
		}
	}
	return true
}

// resolve is the config of plugin name for the exchange as it stands (the consumer an
// earlier plugin identified included), or nil when it does not run on it.
func (c *chain) resolve(plugins *snapshot.RoutePlugins, i int, route string) *snapshot.Plugin {
	e := c.exchange
	consumer := ""
	if e.consumer != nil {
		consumer = e.consumer.ID
	}
	p := e.snap.Config(plugins, i, route, consumer)
	if p == nil || !p.RunsOn(e.Scheme) {
		return nil
	}
	return p
}

// openForLog gives the plugins after one that answered (or failed) their HTTP context
// for the log phase only: as in Kong, whose log handlers run for every plugin of the
// request after a short-circuit (a logging plugin records the 401 of an auth plugin),
// and in Envoy, whose filters all see the access log. They sit out the response
// callbacks; on_done and on_log run when the exchange ends. A failure to open one is
// logged and leaves the response as it is.
func (c *chain) openForLog(ctx context.Context, plugins *snapshot.RoutePlugins, from int, route string) {
	e := c.exchange
	if e.reset {
		return
	}
	for i := from; i < len(plugins.Names); i++ {
		p := c.resolve(plugins, i, route)
		if p == nil {
			continue
		}
		local := e.local
		st, _ := c.open(ctx, p)
		e.local = local
		if st != nil {
			st.skipped = true
		}
	}
}

// responsePhase runs response headers, then response body, in reverse order.
func (c *chain) responsePhase(ctx context.Context) {
	e := c.exchange
	streamed := e.Response.Body.Stream() != nil
	body := streamed || len(e.Response.Body.Bytes()) > 0
	for i := len(c.steps) - 1; i >= 0; i-- {
		st := c.steps[i]
		if !c.run(ctx, st, func() (abi.Action, error) { return st.http.OnResponseHeaders(ctx, !body) }) {
			return
		}
	}
	if !body || streamed {
		return // a streamed body goes through the body callbacks as it is read (bodystream.go)
	}
	for i := len(c.steps) - 1; i >= 0; i-- {
		st := c.steps[i]
		size := len(e.Response.Body.Bytes())
		if !c.run(ctx, st, func() (abi.Action, error) { return st.http.OnResponseBody(ctx, size, true) }) {
			return
		}
	}
}

// run calls one callback of a step and reports whether the phase goes on. A plugin
// that fails (trap, deadline, memory) answers 500 in Kong's shape, or, when it fails
// open, is skipped from then on; a plugin that sent a local response stops the phase.
//
// PAUSE (with no local response) holds the exchange until the plugin resumes it with
// proxy_continue_stream, answers it, or closes it, as Envoy's StopIteration does in
// every phase: typically it waits for its HTTP calls, whose answers arrive through the
// exchange's inbox. Bodies are buffered whole before the body callbacks run, so a body
// callback always sees end_of_stream, and a PAUSE there is such a hold too.
func (c *chain) run(ctx context.Context, st *step, callback func() (abi.Action, error)) bool {
	if st.skipped {
		return true
	}
	e := c.exchange
	action, err := callback()
	e.settle()
	if err != nil {
		if c.failed(st.plugin, "plugin failed", err) {
			st.skipped = true
			return true
		}
		return false
	}
	if action == abi.ActionPause && e.local == nil && !e.reset && !e.waitResume(ctx) {
		c.logger.Error("plugin paused the request and did not resume it", "plugin", st.plugin.Entity.Name,
			"plugin_id", st.plugin.Entity.ID, "request_id", e.ID, "timeout", PauseTimeout)
		e.local = kongError(500, "An unexpected error occurred", e.ID)
		return false
	}
	return e.local == nil && !e.reset
}

// failed logs a plugin failure and says whether the exchange goes on without the
// plugin (it fails open); otherwise the exchange gets Kong's 500.
func (c *chain) failed(p *snapshot.Plugin, what string, err error) (goOn bool) {
	e := c.exchange
	if p.FailOpen {
		c.logger.Warn(what+"; skipped (fail open)", "plugin", p.Entity.Name, "plugin_id", p.Entity.ID, "request_id", e.ID, "error", err)
		return true
	}
	c.logger.Error(what, "plugin", p.Entity.Name, "plugin_id", p.Entity.ID, "request_id", e.ID, "error", err)
	e.local = kongError(500, "An unexpected error occurred", e.ID)
	return false
}

// open gives the exchange an HTTP context for p on its pinned instance. It returns
// (nil, true) when p takes no part: it could not start but fails open, or its module
// has no HTTP callbacks.
func (c *chain) open(ctx context.Context, p *snapshot.Plugin) (*step, bool) {
	e := c.exchange
	if !p.Pool.Module().HandlesHTTP() {
		return nil, true // a root-only module takes no part in requests
	}
	st := c.newStep()
	lease, err := c.slot(p.Pool).Open(ctx, &p.Root, e, &st.http)
	if err != nil {
		return nil, c.failed(p, "plugin could not start", err)
	}
	st.plugin, st.lease, st.skipped = p, lease, false
	c.steps = append(c.steps, st)
	return st, true
}

// finish ends every HTTP context (on_done, on_log, on_delete) and releases it, under
// the request's context without its cancellation.
func (c *chain) finish(ctx context.Context) {
	c.detached = detachedContext{ctx}
	ctx = &c.detached
	for _, st := range c.steps {
		st.http.Finish(ctx)
		st.lease.Release(ctx)
	}
}

// detachedContext is what context.WithoutCancel makes of parent (its values, never
// done), kept in the chain: WithoutCancel allocated one on every request.
type detachedContext struct{ parent context.Context }

func (*detachedContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (*detachedContext) Done() <-chan struct{}       { return nil }
func (*detachedContext) Err() error                  { return nil }
func (c *detachedContext) Value(key any) any         { return c.parent.Value(key) }
