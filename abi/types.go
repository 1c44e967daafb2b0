// Package abi is weir's host side of the proxy-wasm ABI (0.1.0, 0.2.0, 0.2.1) on wazero.
//
// It has three layers that never blur: the host-function shims (one Go function per
// proxy_* import, one file per ABI area: check arguments, read guest memory, delegate),
// the interfaces the gateway implements (HTTPStream, HeaderMap, Buffer, Services, in
// host.go), and the wazero binding (Runtime, Module, Instance).
package abi

// Status is proxy_status_t, the result of every host function.
type Status uint32

// Status values as the spec numbers them.
const (
	StatusOK                   Status = 0
	StatusNotFound             Status = 1
	StatusBadArgument          Status = 2
	StatusSerializationFailure Status = 3
	StatusParseFailure         Status = 4
	StatusInvalidMemoryAccess  Status = 6
	StatusEmpty                Status = 7
	StatusCASMismatch          Status = 8
	StatusInternalFailure      Status = 10
	StatusUnimplemented        Status = 12
)

// MapType is proxy_map_type_t: which header map a call is about.
type MapType uint32

// Header map types.
const (
	MapRequestHeaders          MapType = 0
	MapRequestTrailers         MapType = 1
	MapResponseHeaders         MapType = 2
	MapResponseTrailers        MapType = 3
	MapGRPCInitialMetadata     MapType = 4
	MapGRPCTrailingMetadata    MapType = 5
	MapHTTPCallResponseHeaders MapType = 6
	MapHTTPCallResponseTrailer MapType = 7
)

// BufferType is proxy_buffer_type_t: which byte buffer a call is about.
type BufferType uint32

// Buffer types.
const (
	BufferRequestBody          BufferType = 0
	BufferResponseBody         BufferType = 1
	BufferDownstreamData       BufferType = 2
	BufferUpstreamData         BufferType = 3
	BufferHTTPCallResponseBody BufferType = 4
	BufferGRPCCallMessage      BufferType = 5
	BufferVMConfiguration      BufferType = 6
	BufferPluginConfiguration  BufferType = 7
	BufferForeignFunctionArgs  BufferType = 8
)

// Action is proxy_action_t, what a stream callback asks the host to do next.
type Action uint32

// Actions.
const (
	ActionContinue Action = 0
	ActionPause    Action = 1
)

// LogLevel is proxy_log_level_t.
type LogLevel uint32

// Log levels.
const (
	LogTrace    LogLevel = 0
	LogDebug    LogLevel = 1
	LogInfo     LogLevel = 2
	LogWarn     LogLevel = 3
	LogError    LogLevel = 4
	LogCritical LogLevel = 5
)

// String names the level as log lines show it.
func (l LogLevel) String() string {
	switch l {
	case LogTrace:
		return "trace"
	case LogDebug:
		return "debug"
	case LogInfo:
		return "info"
	case LogWarn:
		return "warn"
	case LogError:
		return "error"
	case LogCritical:
		return "critical"
	}
	return "unknown"
}

// StreamType is proxy_stream_type_t (0.2.0+): which direction proxy_continue_stream and
// proxy_close_stream are about.
type StreamType uint32

// Stream types.
const (
	StreamHTTPRequest  StreamType = 0
	StreamHTTPResponse StreamType = 1
	StreamDownstream   StreamType = 2
	StreamUpstream     StreamType = 3
)

// StreamController is an optional interface of an HTTPStream. A stream that implements
// it lets a plugin resume a paused direction (proxy_continue_stream, and 0.1.0's
// proxy_continue_request/_response) or close it (proxy_close_stream). The ABI calls it
// after the guest callback that asked has returned, as Envoy does; a stream without it
// makes those host calls answer UNIMPLEMENTED rather than pretend.
type StreamController interface {
	ContinueStream(t StreamType)
	CloseStream(t StreamType)
}

// RouteCacheClearer is an optional interface of an HTTPStream: a stream that can route
// again after a plugin changed the request implements it for 0.1.0's
// proxy_clear_route_cache; without it the call answers UNIMPLEMENTED.
type RouteCacheClearer interface {
	ClearRouteCache()
}
