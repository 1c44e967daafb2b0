package proxytest

import (
	"fmt"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/internal/nativehost"
)

// Status codes (proxy_status_t) the emulator answers.
const (
	statusOK          uint32 = 0
	statusNotFound    uint32 = 1
	statusBadArgument uint32 = 2
	statusEmpty       uint32 = 7
	statusCASMismatch uint32 = 8
)

// emulator is the HostEmulator and the nativehost.Host the plugin's calls reach. Tests
// drive it from one goroutine and the guest calls back into it while it runs a
// callback, so it takes no locks.
type emulator struct {
	guest  nativehost.Guest
	vmID   string
	vmConf []byte
	plConf []byte
	props  map[string][]byte

	nextID  uint32
	current uint32 // the context host calls act on
	depth   int    // callbacks running (nested: a callback's host call may run another)

	logs       [6][]string
	tickPeriod uint32
	streams    map[uint32]*stream
	foreign    map[string]func([]byte) []byte

	shared      map[string]sharedValue
	queues      map[uint32]*queue
	queueIDs    map[string]uint32
	readyQueues []uint32 // queues enqueued to since the outermost callback began

	metrics   map[uint32]*metric
	metricIDs map[string]uint32

	callouts   map[uint32]*pendingCall
	nextCallID uint32
	answer     *callAnswer // the HTTP call answer being delivered
}

type sharedValue struct {
	data []byte
	cas  uint32
}

type queue struct {
	name  string
	items [][]byte
}

type metric struct {
	kind  uint32
	value uint64
}

type pendingCall struct {
	caller uint32
	attr   HttpCalloutAttribute
}

type callAnswer struct {
	headers, trailers [][2]string
	body              []byte
}

// stream is an HTTP or TCP context's data as the host holds it.
type stream struct {
	reqHeaders, reqTrailers, respHeaders, respTrailers [][2]string
	reqBody, respBody                                  []byte
	action                                             types.Action
	local                                              *LocalHttpResponse

	// A TCP context (tcp) has one buffer and one action per direction: downstream is
	// the data read from the client on its way to the upstream, upstream the reply.
	tcp                  bool
	downstream, upstream []byte
	downAction, upAction types.Action
	downEnd, upEnd       bool // the side has sent its last data
}

func newEmulator(g nativehost.Guest, opt *EmulatorOption) *emulator {
	props := map[string][]byte{}
	for k, v := range opt.properties {
		props[k] = v
	}
	return &emulator{
		guest: g, vmID: opt.vmID, vmConf: opt.vmConfig, plConf: opt.pluginConfig, props: props,
		nextID: PluginContextID + 1, current: PluginContextID,
		streams: map[uint32]*stream{}, foreign: map[string]func([]byte) []byte{},
		shared: map[string]sharedValue{}, queues: map[uint32]*queue{}, queueIDs: map[string]uint32{},
		metrics: map[uint32]*metric{}, metricIDs: map[string]uint32{},
		callouts: map[uint32]*pendingCall{}, nextCallID: 1,
	}
}

// call runs one callback. When the outermost callback returns, the queues enqueued to
// meanwhile are announced (OnQueueReady), as a host does it after, never inside, the
// enqueuing call.
func (e *emulator) call(f func()) {
	e.depth++
	f()
	e.depth--
	if e.depth > 0 {
		return
	}
	for len(e.readyQueues) > 0 {
		q := e.readyQueues[0]
		e.readyQueues = e.readyQueues[1:]
		e.current = PluginContextID
		e.depth++
		e.guest.OnQueueReady(PluginContextID, q)
		e.depth--
	}
}

// on makes id the current context and runs a callback.
func (e *emulator) on(id uint32, f func()) {
	e.current = id
	e.call(f)
}

func (e *emulator) stream(id uint32) *stream {
	s, ok := e.streams[id]
	if !ok {
		panic(fmt.Sprintf("proxytest: no stream context %d: create it with InitializeHttpContext or InitializeConnection", id))
	}
	return s
}

// lower copies headers with lower-cased names.
func lower(h [][2]string) [][2]string {
	out := make([][2]string, len(h))
	for i, p := range h {
		out[i] = [2]string{strings.ToLower(p[0]), p[1]}
	}
	return out
}

func clonePairs(h [][2]string) [][2]string { return append([][2]string(nil), h...) }

func cloneBytes(b []byte) []byte { return append([]byte(nil), b...) }
