// Package proxytest runs a plugin written with package proxywasm in plain `go test`:
// no wasm, no gateway. Its host emulator stands in for the proxy-wasm host. A test
// starts the plugin, feeds it requests and responses, and looks at what the plugin
// did: headers and bodies as changed, local responses, logs, HTTP calls, metrics,
// shared data and queues. L4 plugins (types.TcpContext) run the same way: a test opens
// a connection, feeds it downstream and upstream data, closes it, and reads the data
// buffers as the plugin left them.
//
//	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().
//		WithPluginConfiguration([]byte(`{"header":"x-a"}`)))
//	defer reset()
//	host.StartPlugin()
//	id := host.InitializeHttpContext()
//	action := host.CallOnRequestHeaders(id, [][2]string{{":path", "/"}}, false)
//
// The API has the shape of tetratelabs/proxy-wasm-go-sdk's proxytest, so tests written
// for that SDK run by changing the import path. The emulator works because a native
// build of proxywasm sends its host calls to it; one emulator runs at a time (tests
// using it must not run in parallel), and reset ends it.
//
// The emulator checks a plugin's logic, not its build: to run the built .wasm in a
// real weir host, upload it to a weir node, as weir's own tests do for every example
// (cmd/weir/sdk_examples_e2e_test.go). An in-process helper for that lives in weir's
// main module, never here: this module must not depend on the gateway.
package proxytest

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/internal/nativehost"
)

// PluginContextID is the id of the one plugin (root) context the emulator creates.
const PluginContextID uint32 = 1

// HostEmulator is the emulated host. Methods named Call* and Start*/Tick run the
// plugin's callbacks; Get* methods report what the plugin did.
type HostEmulator interface {
	// StartVM runs the VM context's OnVMStart.
	StartVM() types.OnVMStartStatus
	// StartPlugin runs the plugin context's OnPluginStart.
	StartPlugin() types.OnPluginStartStatus
	// FinishVM runs the plugin context's OnPluginDone.
	FinishVM() bool

	// GetCalloutAttributesFromContext lists the HTTP calls a context made that have
	// not been answered yet.
	GetCalloutAttributesFromContext(contextID uint32) []HttpCalloutAttribute
	// CallOnHttpCallResponse answers an HTTP call and runs its callback. No headers
	// means the call failed.
	CallOnHttpCallResponse(calloutID uint32, headers [][2]string, trailers [][2]string, body []byte)

	// GetCounterMetric, GetGaugeMetric and GetHistogramMetric read a metric by name
	// (the histogram's value is the sum of its records).
	GetCounterMetric(name string) (uint64, error)
	GetGaugeMetric(name string) (uint64, error)
	GetHistogramMetric(name string) (uint64, error)

	// Get*Logs return the lines the plugin logged at each level, oldest first.
	GetTraceLogs() []string
	GetDebugLogs() []string
	GetInfoLogs() []string
	GetWarnLogs() []string
	GetErrorLogs() []string
	GetCriticalLogs() []string

	// GetTickPeriod is the period the plugin asked for; Tick runs OnTick once.
	GetTickPeriod() uint32
	Tick()

	// GetQueueSize is the number of items in a shared queue.
	GetQueueSize(queueID uint32) int
	// RegisterForeignFunction makes f answer CallForeignFunction(name, ...).
	RegisterForeignFunction(name string, f func([]byte) []byte)

	// InitializeConnection creates a TCP context and runs OnNewConnection.
	InitializeConnection() (contextID uint32, action types.Action)
	// CallOnDownstreamData hands a TCP context data from the client, and
	// CallOnUpstreamData data from the upstream, and run OnDownstreamData or
	// OnUpstreamData with endOfStream false. While the plugin pauses a direction its
	// data accumulates, and the callback is given the size of all of it.
	CallOnDownstreamData(contextID uint32, data []byte) types.Action
	CallOnUpstreamData(contextID uint32, data []byte) types.Action
	// CallOnDownstreamDataEOS and CallOnUpstreamDataEOS do the same with endOfStream
	// as given: true says that side sends nothing more (more data then panics).
	CallOnDownstreamDataEOS(contextID uint32, data []byte, endOfStream bool) types.Action
	CallOnUpstreamDataEOS(contextID uint32, data []byte, endOfStream bool) types.Action
	// CloseDownstreamConnection and CloseUpstreamConnection run OnDownstreamClose and
	// OnUpstreamClose with types.PeerTypeLocal; the *By forms take the peer that
	// closed.
	CloseDownstreamConnection(contextID uint32)
	CloseUpstreamConnection(contextID uint32)
	CloseDownstreamConnectionBy(contextID uint32, peer types.PeerType)
	CloseUpstreamConnectionBy(contextID uint32, peer types.PeerType)
	// CompleteConnection runs OnStreamDone and deletes the TCP context.
	CompleteConnection(contextID uint32)
	// GetCurrentDownstreamData and GetCurrentUpstreamData return a direction's
	// latest buffer as the plugin left it (ReplaceDownstreamData and the like
	// included): the data held while paused, or the data last passed on.
	GetCurrentDownstreamData(contextID uint32) []byte
	GetCurrentUpstreamData(contextID uint32) []byte
	// GetCurrentDownstreamAction and GetCurrentUpstreamAction are the action the
	// direction's last callback returned, or ActionContinue once the plugin resumed
	// it (ContinueTcpStream resumes the downstream direction).
	GetCurrentDownstreamAction(contextID uint32) types.Action
	GetCurrentUpstreamAction(contextID uint32) types.Action

	// InitializeHttpContext creates an HTTP context and returns its id.
	InitializeHttpContext() (contextID uint32)
	// CallOnRequestHeaders and the other Call* methods set what the plugin sees and
	// run the callback; the header names are lower-cased, as hosts deliver them.
	CallOnRequestHeaders(contextID uint32, headers [][2]string, endOfStream bool) types.Action
	CallOnRequestBody(contextID uint32, body []byte, endOfStream bool) types.Action
	CallOnRequestTrailers(contextID uint32, trailers [][2]string) types.Action
	CallOnResponseHeaders(contextID uint32, headers [][2]string, endOfStream bool) types.Action
	CallOnResponseBody(contextID uint32, body []byte, endOfStream bool) types.Action
	CallOnResponseTrailers(contextID uint32, trailers [][2]string) types.Action
	// CompleteHttpContext runs OnHttpStreamDone and deletes the HTTP context.
	CompleteHttpContext(contextID uint32)

	// GetCurrentHttpStreamAction is the action the last callback returned, or
	// ActionContinue once the plugin resumed the stream.
	GetCurrentHttpStreamAction(contextID uint32) types.Action
	// GetCurrentRequestHeaders and the others return the stream as the plugin left it.
	GetCurrentRequestHeaders(contextID uint32) [][2]string
	GetCurrentResponseHeaders(contextID uint32) [][2]string
	GetCurrentRequestBody(contextID uint32) []byte
	GetCurrentResponseBody(contextID uint32) []byte
	// GetSentLocalResponse is the response the plugin sent with SendHttpResponse, or nil.
	GetSentLocalResponse(contextID uint32) *LocalHttpResponse

	// GetProperty and SetProperty read and write the host's properties.
	GetProperty(path []string) ([]byte, error)
	SetProperty(path []string, data []byte) error
}

// HttpCalloutAttribute is an HTTP call the plugin made with DispatchHttpCall.
type HttpCalloutAttribute struct {
	CalloutID uint32
	Upstream  string
	Headers   [][2]string
	Trailers  [][2]string
	Body      []byte
}

// LocalHttpResponse is what the plugin passed to SendHttpResponse.
type LocalHttpResponse struct {
	StatusCode       uint32
	StatusCodeDetail string
	Data             []byte
	Headers          [][2]string
	GRPCStatus       int32
}

// NewHostEmulator starts an emulated host for the plugin linked into the test binary
// and returns it with reset, which ends it and forgets every context; call reset
// (usually deferred) before the next emulator. It panics if proxywasm is not linked in.
func NewHostEmulator(opt *EmulatorOption) (host HostEmulator, reset func()) {
	if opt == nil {
		opt = NewEmulatorOption()
	}
	g := nativehost.CurrentGuest()
	if g == nil {
		panic("proxytest: package proxywasm is not linked into this binary")
	}
	registered := g.VMContext()
	vmCtx := registered
	if opt.vmContext != nil {
		vmCtx = opt.vmContext
	}
	if vmCtx == nil {
		panic("proxytest: no VM context: the plugin registers none in init and the option gives none")
	}
	g.SetVMContext(vmCtx)
	e := newEmulator(g, opt)
	nativehost.SetHost((*hostCalls)(e))
	e.call(func() { g.OnContextCreate(PluginContextID, 0) })
	return e, func() {
		nativehost.SetHost(nil)
		g.SetVMContext(registered)
	}
}
