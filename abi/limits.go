package abi

// Limits on every size a guest controls. The host copies guest memory before using it,
// so each cap bounds how much host memory one host call can make the gateway allocate.
// The pairs caps are the ones proxy-wasm-cpp-host uses, so a module that works on Envoy
// works here.
const (
	// MaxPairsBytes caps one serialized header map read from the guest.
	MaxPairsBytes = 1 << 20
	// MaxPairs caps the number of entries of one serialized header map.
	MaxPairs = 1024
	// MaxKeyBytes caps one header name, property path or foreign function name.
	MaxKeyBytes = 64 << 10
	// MaxLogBytes caps one proxy_log message.
	MaxLogBytes = 1 << 20
	// MaxValueBytes caps one value the guest hands the host: a header value, a body
	// write, a local response body, a property value, foreign function arguments.
	MaxValueBytes = 16 << 20
	// MaxMapBytes and MaxMapEntries cap a header map a guest grows one add or replace
	// at a time, as MaxPairsBytes and MaxPairs cap one it sets whole: without them a
	// guest adding headers in a loop could fill the gateway's memory before its
	// deadline.
	MaxMapBytes   = MaxPairsBytes
	MaxMapEntries = MaxPairs
	// MaxBodyBytes caps a body a guest writes through proxy_set_buffer_bytes, for the
	// same reason: appending in a loop must end in BAD_ARGUMENT, not in host memory
	// exhaustion. It matches the proxy's request body cap.
	MaxBodyBytes = 64 << 20
	// MaxHTTPCallsInFlight caps the proxy_http_call calls one instance has running;
	// past it a call answers INTERNAL_FAILURE.
	MaxHTTPCallsInFlight = 1024
	// MaxSharedDataBytes caps the keys and values of one VM id's shared data; past it
	// the least recently used keys are evicted.
	MaxSharedDataBytes = 64 << 20
	// MaxQueueItems and MaxQueueBytes cap one shared queue; past them the oldest items
	// are dropped, so a consumer that stopped cannot grow the gateway's memory.
	MaxQueueItems = 10000
	MaxQueueBytes = 16 << 20
	// MaxStreamProperties and MaxStreamPropertyBytes cap the properties the plugins of
	// one request write (proxy_set_property on a path weir does not define, weir.ctx.*):
	// past them a write answers NOT_FOUND.
	MaxStreamProperties    = 256
	MaxStreamPropertyBytes = 1 << 20
	// MinTickPeriod is the shortest proxy_set_tick_period_milliseconds honoured.
	MinTickPeriodMillis = 1
	// MaxMetrics caps the metrics all guests of a runtime define.
	MaxMetrics = 10000
	// DefaultMemoryLimitPages is the per-instance linear memory cap (64 KiB pages) when
	// Config leaves it zero: 64 MiB, enough for a Go guest's heap, small enough to count
	// in a pool's budget (on unix the memory is a mapping that grows in place and costs
	// RSS only for the pages the guest touches: linearmemory_unix.go).
	DefaultMemoryLimitPages = 1024
)
