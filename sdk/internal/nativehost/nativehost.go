// Package nativehost joins a native (non-wasm) build of package proxywasm to a host
// written in Go, such as the emulator in package proxytest.
//
// In a wasip1 build the SDK calls the real host through wasm imports. In a native build
// those calls land here instead: proxywasm's native import functions decode the guest's
// memory into Go values and ask the registered Host; with no Host registered they answer
// ErrNoHost. The other way, proxywasm registers its callbacks as the Guest, so an
// emulator drives a plugin exactly as a host drives its exports.
//
// Statuses are proxy_status_t values; the enums are the ABI's numbers.
package nativehost

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

// Host is the proxy-wasm 0.2.1 host surface, one method per import the SDK calls,
// in Go types. Each method returns the call's status last.
type Host interface {
	Log(level uint32, msg string) uint32
	GetLogLevel() (uint32, uint32)
	SetTickPeriod(ms uint32) uint32
	SetEffectiveContext(id uint32) uint32
	Done() uint32

	GetBufferBytes(bufferType, start, maxSize uint32) ([]byte, uint32)
	SetBufferBytes(bufferType, start, size uint32, data []byte) uint32

	GetHeaderMapPairs(mapType uint32) ([][2]string, uint32)
	SetHeaderMapPairs(mapType uint32, pairs [][2]string) uint32
	GetHeaderMapValue(mapType uint32, key string) (string, uint32)
	AddHeaderMapValue(mapType uint32, key, value string) uint32
	ReplaceHeaderMapValue(mapType uint32, key, value string) uint32
	RemoveHeaderMapValue(mapType uint32, key string) uint32

	ContinueStream(streamType uint32) uint32
	CloseStream(streamType uint32) uint32
	SendLocalResponse(status uint32, details string, body []byte, headers [][2]string, grpcStatus int32) uint32

	HttpCall(upstream string, headers [][2]string, body []byte, trailers [][2]string, timeoutMS uint32) (uint32, uint32)

	GetProperty(path []string) ([]byte, uint32)
	SetProperty(path []string, value []byte) uint32
	CallForeignFunction(name string, args []byte) ([]byte, uint32)

	GetSharedData(key string) ([]byte, uint32, uint32)
	SetSharedData(key string, value []byte, cas uint32) uint32
	RegisterSharedQueue(name string) (uint32, uint32)
	ResolveSharedQueue(vmID, name string) (uint32, uint32)
	EnqueueSharedQueue(id uint32, value []byte) uint32
	DequeueSharedQueue(id uint32) ([]byte, uint32)

	DefineMetric(metricType uint32, name string) (uint32, uint32)
	IncrementMetric(id uint32, delta int64) uint32
	RecordMetric(id uint32, value uint64) uint32
	GetMetric(id uint32) (uint64, uint32)
}

// Guest is the plugin side: proxywasm's callbacks, one per export.
type Guest interface {
	// SetVMContext replaces the registered VM context and forgets every context;
	// VMContext returns the registered one.
	SetVMContext(vm types.VMContext)
	VMContext() types.VMContext

	OnContextCreate(id, rootID uint32)
	OnVMStart(rootID, size uint32) bool
	OnConfigure(id, size uint32) bool
	OnDone(id uint32) bool
	OnLog(id uint32)
	OnDelete(id uint32)
	OnTick(id uint32)
	OnQueueReady(id, queueID uint32)

	OnRequestHeaders(id, n uint32, eos bool) uint32
	OnRequestBody(id, size uint32, eos bool) uint32
	OnRequestTrailers(id, n uint32) uint32
	OnResponseHeaders(id, n uint32, eos bool) uint32
	OnResponseBody(id, size uint32, eos bool) uint32
	OnResponseTrailers(id, n uint32) uint32
	OnHttpCallResponse(rootID, calloutID, headers, bodySize, trailers uint32)

	OnNewConnection(id uint32) uint32
	OnDownstreamData(id, size uint32, eos bool) uint32
	OnDownstreamClose(id, peer uint32)
	OnUpstreamData(id, size uint32, eos bool) uint32
	OnUpstreamClose(id, peer uint32)
}

var (
	host  Host
	guest Guest
)

// SetHost registers the host native host calls go to (nil: none, ErrNoHost).
func SetHost(h Host) { host = h }

// CurrentHost is the registered host, or nil.
func CurrentHost() Host { return host }

// SetGuest is called once by proxywasm's native build.
func SetGuest(g Guest) { guest = g }

// CurrentGuest is proxywasm's callbacks; nil only if proxywasm is not linked in.
func CurrentGuest() Guest { return guest }
