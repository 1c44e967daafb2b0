package proxywasm

// ABI enum values beyond the ones next to their first use (hostcall_*.go).
const (
	bufferDownstreamData       uint32 = 2
	bufferUpstreamData         uint32 = 3
	bufferHttpCallResponseBody uint32 = 4

	mapHttpCallResponseHeaders  uint32 = 6
	mapHttpCallResponseTrailers uint32 = 7

	streamDownstream uint32 = 2
	streamUpstream   uint32 = 3

	metricCounter   uint32 = 0
	metricGauge     uint32 = 1
	metricHistogram uint32 = 2
)
