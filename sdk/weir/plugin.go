package weir

import (
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

// Action is what a Plugin callback tells weir to do next.
type Action int

const (
	// Continue lets the request (or response) go on.
	Continue Action = iota
	// ReadBody, from OnRequest or OnResponse, asks for the whole body: the matching
	// body callback runs once it has arrived (at once, with no body, when there is
	// none). From a body callback it means Continue.
	ReadBody
	// Stop ends the plugin's work on the request: return it after Exit or Error (which
	// return it for you). weir answers with the local response the plugin sent.
	Stop
)

// Plugin describes a weir plugin whose configuration is a C (see DecodeConfig for the
// tags it reads). Every callback is optional; cfg is the decoded configuration of the
// plugin instance the request runs, shared by its requests: read it, do not change it.
type Plugin[C any] struct {
	// Name prefixes the plugin's log lines about its configuration. In a module that
	// registers several plugins, it is also the root id that selects this one.
	Name string
	// Configure runs once per configuration, after decoding, defaults and validation:
	// derive what requests need (compile a pattern, say). An error refuses the config.
	Configure func(cfg *C) error
	// OnRequest runs when the request headers have arrived.
	OnRequest func(r *Request, cfg *C) Action
	// OnRequestBody runs with the whole request body (r.Body) after OnRequest returned
	// ReadBody, or for every request when OnRequest is nil.
	OnRequestBody func(r *Request, cfg *C) Action
	// OnResponse runs when the response headers have arrived (also for a local
	// response a plugin sent).
	OnResponse func(r *Request, cfg *C) Action
	// OnResponseBody runs with the whole response body after OnResponse returned
	// ReadBody, or for every response when OnResponse is nil.
	OnResponseBody func(r *Request, cfg *C) Action
	// OnLog runs when the exchange is over; the response has been sent.
	OnLog func(r *Request, cfg *C)

	// free holds HTTP contexts the host deleted, for the next requests: allocating a
	// context was most of what creating one cost a Go guest. Shared by every
	// configuration of the plugin, so many configurations do not each keep their own.
	free []*httpContext[C]
}

// maxFreeContexts bounds Plugin.free: the contexts one instance serves at once.
const maxFreeContexts = 64

// Register adds p to the module's plugins, under p.Name. Call it from init(), with an
// empty main:
//
//	func init() { weir.Register(weir.Plugin[config]{Name: "my-plugin", OnRequest: onRequest}) }
//	func main() {}
//
// A module usually registers one plugin, which then serves every root context. One
// that registers several (weir's built-ins ship as one module) serves each root context
// with the plugin whose Name equals its root id (proxywasm.AddPluginContext).
// Register installs the proxy-wasm contexts, so a module uses either this layer or its
// own contexts, not both.
func Register[C any](p Plugin[C]) {
	proxywasm.AddPluginContext(p.Name, func(uint32) types.PluginContext { return &pluginContext[C]{p: &p} })
}

// pluginContext is one configuration of the plugin (a proxy-wasm root context).
type pluginContext[C any] struct {
	types.DefaultPluginContext
	p   *Plugin[C]
	cfg C
}

// OnPluginStart decodes and validates the configuration; a bad one is refused, with
// the reason in the log.
func (pc *pluginContext[C]) OnPluginStart(int) types.OnPluginStartStatus {
	raw, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogErrorf("%s: read configuration: %v", pc.p.Name, err)
		return types.OnPluginStartStatusFailed
	}
	if pc.cfg, err = DecodeConfig[C](raw); err == nil && pc.p.Configure != nil {
		err = pc.p.Configure(&pc.cfg)
	}
	if err != nil {
		proxywasm.LogErrorf("%s: %v", pc.p.Name, err)
		return types.OnPluginStartStatusFailed
	}
	declareCallbacks(pc.p)
	return types.OnPluginStartStatusOK
}

func (pc *pluginContext[C]) NewHttpContext(uint32) types.HttpContext {
	p := pc.p
	if n := len(p.free); n > 0 {
		h := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		h.cfg = &pc.cfg
		return h
	}
	return &httpContext[C]{p: p, cfg: &pc.cfg}
}

// OnHttpContextDelete is the proxywasm package's notice that the host deleted the
// context: nothing calls it again, so it is cleared and kept for reuse.
func (h *httpContext[C]) OnHttpContextDelete() {
	p := h.p
	*h = httpContext[C]{p: p}
	if len(p.free) < maxFreeContexts {
		p.free = append(p.free, h)
	}
}

// httpContext drives one exchange through the plugin's callbacks.
type httpContext[C any] struct {
	types.DefaultHttpContext
	p        *Plugin[C]
	cfg      *C
	r        Request
	wantReq  bool // OnRequestBody waits for the request body
	wantResp bool // OnResponseBody waits for the response body
	stopped  bool // a callback returned Stop
}

func (h *httpContext[C]) OnHttpRequestHeaders(_ int, endOfStream bool) types.Action {
	h.r.newPhase()
	a := ReadBody
	if h.p.OnRequest != nil {
		a = h.p.OnRequest(&h.r, h.cfg)
	}
	return h.settle(a, endOfStream, h.p.OnRequestBody, &h.wantReq)
}

func (h *httpContext[C]) OnHttpRequestBody(size int, endOfStream bool) types.Action {
	return h.body(size, endOfStream, false, h.p.OnRequestBody, &h.wantReq)
}

func (h *httpContext[C]) OnHttpResponseHeaders(_ int, endOfStream bool) types.Action {
	h.r.newPhase()
	a := ReadBody
	if h.p.OnResponse != nil {
		a = h.p.OnResponse(&h.r, h.cfg)
	}
	return h.settle(a, endOfStream, h.p.OnResponseBody, &h.wantResp)
}

func (h *httpContext[C]) OnHttpResponseBody(size int, endOfStream bool) types.Action {
	return h.body(size, endOfStream, true, h.p.OnResponseBody, &h.wantResp)
}

func (h *httpContext[C]) OnHttpStreamDone() {
	if h.p.OnLog != nil {
		h.r.newPhase()
		h.p.OnLog(&h.r, h.cfg)
	}
}

// settle turns a headers callback's Action into the host's: ReadBody with a body
// callback waits for the body (or runs it now when no body will come).
func (h *httpContext[C]) settle(a Action, endOfStream bool, onBody func(*Request, *C) Action, want *bool) types.Action {
	if a == ReadBody && onBody != nil {
		if !endOfStream {
			*want = true
			return types.ActionContinue
		}
		a = onBody(&h.r, h.cfg)
	}
	if a == Stop {
		h.stopped = true
		return types.ActionPause
	}
	return types.ActionContinue
}

// body buffers a body the plugin asked for and runs its callback once it is whole.
func (h *httpContext[C]) body(size int, endOfStream, response bool, onBody func(*Request, *C) Action, want *bool) types.Action {
	if !*want || h.stopped {
		return types.ActionContinue
	}
	if !endOfStream {
		return types.ActionPause // the host keeps buffering until the last chunk
	}
	*want = false
	h.r.newPhase()
	h.r.bodySize, h.r.response = size, response
	return h.settle(onBody(&h.r, h.cfg), false, nil, nil)
}
