package proxytest

import (
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// TCP (L4) emulation. A connection is a stream context under the plugin context, as
// an L4 host such as Envoy creates one per accepted connection. Its data is kept the
// way such a host keeps it: bytes that arrive while the plugin holds a direction
// (types.ActionPause) are added to that direction's buffer, and the plugin is handed
// the whole buffer; once it lets the direction continue (returning
// types.ActionContinue or calling proxywasm.ContinueTcpStream), the buffer is passed
// on and the next data starts a new one. Until then the buffer stays readable with
// GetCurrentDownstreamData and GetCurrentUpstreamData, changes included.

// tcpStream is the TCP context id; it panics on an unknown or HTTP context.
func (e *emulator) tcpStream(id uint32) *stream {
	s := e.stream(id)
	if !s.tcp {
		panic(fmt.Sprintf("proxytest: context %d is an HTTP context: create a connection with InitializeConnection", id))
	}
	return s
}

func (e *emulator) InitializeConnection() (uint32, types.Action) {
	id := e.newStream()
	s := e.streams[id]
	s.tcp = true
	var a uint32
	e.on(id, func() { a = e.guest.OnNewConnection(id) })
	s.downAction = types.Action(a)
	return id, s.downAction
}

// feed adds data to one direction's buffer (a fresh one if the last data went on) and
// runs its callback with the buffer's size.
func (e *emulator) feed(id uint32, data []byte, eos bool, upstream bool) types.Action {
	s := e.tcpStream(id)
	buf, action, end := &s.downstream, &s.downAction, &s.downEnd
	call := e.guest.OnDownstreamData
	if upstream {
		buf, action, end = &s.upstream, &s.upAction, &s.upEnd
		call = e.guest.OnUpstreamData
	}
	if *end {
		panic(fmt.Sprintf("proxytest: data on context %d after that side's end of stream", id))
	}
	if *action != types.ActionPause {
		*buf = nil
	}
	*buf = append(*buf, data...)
	*end = eos
	var a uint32
	e.on(id, func() { a = call(id, uint32(len(*buf)), eos) })
	// The plugin may have resumed the direction from inside the callback; what it
	// returns is what the host acts on.
	*action = types.Action(a)
	return *action
}

func (e *emulator) CallOnDownstreamData(id uint32, data []byte) types.Action {
	return e.feed(id, data, false, false)
}

func (e *emulator) CallOnUpstreamData(id uint32, data []byte) types.Action {
	return e.feed(id, data, false, true)
}

func (e *emulator) CallOnDownstreamDataEOS(id uint32, data []byte, endOfStream bool) types.Action {
	return e.feed(id, data, endOfStream, false)
}

func (e *emulator) CallOnUpstreamDataEOS(id uint32, data []byte, endOfStream bool) types.Action {
	return e.feed(id, data, endOfStream, true)
}

func (e *emulator) CloseDownstreamConnection(id uint32) {
	e.CloseDownstreamConnectionBy(id, types.PeerTypeLocal)
}

func (e *emulator) CloseUpstreamConnection(id uint32) {
	e.CloseUpstreamConnectionBy(id, types.PeerTypeLocal)
}

func (e *emulator) CloseDownstreamConnectionBy(id uint32, peer types.PeerType) {
	e.tcpStream(id)
	e.on(id, func() { e.guest.OnDownstreamClose(id, uint32(peer)) })
}

func (e *emulator) CloseUpstreamConnectionBy(id uint32, peer types.PeerType) {
	e.tcpStream(id)
	e.on(id, func() { e.guest.OnUpstreamClose(id, uint32(peer)) })
}

func (e *emulator) CompleteConnection(id uint32) {
	e.tcpStream(id)
	e.complete(id)
}

func (e *emulator) GetCurrentDownstreamData(id uint32) []byte {
	return cloneBytes(e.tcpStream(id).downstream)
}

func (e *emulator) GetCurrentUpstreamData(id uint32) []byte {
	return cloneBytes(e.tcpStream(id).upstream)
}

func (e *emulator) GetCurrentDownstreamAction(id uint32) types.Action {
	return e.tcpStream(id).downAction
}

func (e *emulator) GetCurrentUpstreamAction(id uint32) types.Action {
	return e.tcpStream(id).upAction
}
