package proxytest

import (
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func (e *emulator) StartVM() types.OnVMStartStatus {
	var ok bool
	e.on(PluginContextID, func() { ok = e.guest.OnVMStart(PluginContextID, uint32(len(e.vmConf))) })
	return types.OnVMStartStatus(ok)
}

func (e *emulator) StartPlugin() types.OnPluginStartStatus {
	var ok bool
	e.on(PluginContextID, func() { ok = e.guest.OnConfigure(PluginContextID, uint32(len(e.plConf))) })
	return types.OnPluginStartStatus(ok)
}

func (e *emulator) FinishVM() bool {
	var ok bool
	e.on(PluginContextID, func() { ok = e.guest.OnDone(PluginContextID) })
	return ok
}

func (e *emulator) GetTickPeriod() uint32 { return e.tickPeriod }

func (e *emulator) Tick() { e.on(PluginContextID, func() { e.guest.OnTick(PluginContextID) }) }

func (e *emulator) GetQueueSize(queueID uint32) int {
	if q, ok := e.queues[queueID]; ok {
		return len(q.items)
	}
	return 0
}

func (e *emulator) RegisterForeignFunction(name string, f func([]byte) []byte) { e.foreign[name] = f }

func (e *emulator) GetTraceLogs() []string    { return e.logs[0] }
func (e *emulator) GetDebugLogs() []string    { return e.logs[1] }
func (e *emulator) GetInfoLogs() []string     { return e.logs[2] }
func (e *emulator) GetWarnLogs() []string     { return e.logs[3] }
func (e *emulator) GetErrorLogs() []string    { return e.logs[4] }
func (e *emulator) GetCriticalLogs() []string { return e.logs[5] }

func (e *emulator) GetCalloutAttributesFromContext(contextID uint32) []HttpCalloutAttribute {
	var out []HttpCalloutAttribute
	for id := uint32(1); id < e.nextCallID; id++ {
		if c, ok := e.callouts[id]; ok && c.caller == contextID {
			out = append(out, c.attr)
		}
	}
	return out
}

func (e *emulator) CallOnHttpCallResponse(calloutID uint32, headers, trailers [][2]string, body []byte) {
	c, ok := e.callouts[calloutID]
	if !ok {
		panic("proxytest: no pending HTTP call with that id")
	}
	delete(e.callouts, calloutID)
	e.answer = &callAnswer{headers: lower(headers), trailers: lower(trailers), body: cloneBytes(body)}
	e.on(c.caller, func() {
		e.guest.OnHttpCallResponse(PluginContextID, calloutID, uint32(len(headers)), uint32(len(body)), uint32(len(trailers)))
	})
	e.answer = nil
}

var errNoMetric = errors.New("proxytest: no metric of that name and kind")

func (e *emulator) metricValue(name string, kind uint32) (uint64, error) {
	id, ok := e.metricIDs[name]
	if !ok || e.metrics[id].kind != kind {
		return 0, errNoMetric
	}
	return e.metrics[id].value, nil
}

func (e *emulator) GetCounterMetric(name string) (uint64, error)   { return e.metricValue(name, 0) }
func (e *emulator) GetGaugeMetric(name string) (uint64, error)     { return e.metricValue(name, 1) }
func (e *emulator) GetHistogramMetric(name string) (uint64, error) { return e.metricValue(name, 2) }

func (e *emulator) GetProperty(path []string) ([]byte, error) {
	v, ok := e.props[pathKey(path)]
	if !ok {
		return nil, types.ErrorStatusNotFound
	}
	return v, nil
}

func (e *emulator) SetProperty(path []string, data []byte) error {
	e.props[pathKey(path)] = cloneBytes(data)
	return nil
}

// newStream creates a stream context under the plugin context.
func (e *emulator) newStream() uint32 {
	id := e.nextID
	e.nextID++
	e.streams[id] = &stream{}
	e.on(id, func() { e.guest.OnContextCreate(id, PluginContextID) })
	return id
}

func (e *emulator) InitializeHttpContext() uint32 { return e.newStream() }

// act runs a stream callback and records its action.
func (e *emulator) act(id uint32, f func() uint32) types.Action {
	s := e.stream(id)
	var a uint32
	e.on(id, func() { a = f() })
	s.action = types.Action(a)
	return s.action
}

func (e *emulator) CallOnRequestHeaders(id uint32, headers [][2]string, eos bool) types.Action {
	e.stream(id).reqHeaders = lower(headers)
	return e.act(id, func() uint32 { return e.guest.OnRequestHeaders(id, uint32(len(headers)), eos) })
}

func (e *emulator) CallOnRequestBody(id uint32, body []byte, eos bool) types.Action {
	e.stream(id).reqBody = cloneBytes(body)
	return e.act(id, func() uint32 { return e.guest.OnRequestBody(id, uint32(len(body)), eos) })
}

func (e *emulator) CallOnRequestTrailers(id uint32, trailers [][2]string) types.Action {
	e.stream(id).reqTrailers = lower(trailers)
	return e.act(id, func() uint32 { return e.guest.OnRequestTrailers(id, uint32(len(trailers))) })
}

func (e *emulator) CallOnResponseHeaders(id uint32, headers [][2]string, eos bool) types.Action {
	e.stream(id).respHeaders = lower(headers)
	return e.act(id, func() uint32 { return e.guest.OnResponseHeaders(id, uint32(len(headers)), eos) })
}

func (e *emulator) CallOnResponseBody(id uint32, body []byte, eos bool) types.Action {
	e.stream(id).respBody = cloneBytes(body)
	return e.act(id, func() uint32 { return e.guest.OnResponseBody(id, uint32(len(body)), eos) })
}

func (e *emulator) CallOnResponseTrailers(id uint32, trailers [][2]string) types.Action {
	e.stream(id).respTrailers = lower(trailers)
	return e.act(id, func() uint32 { return e.guest.OnResponseTrailers(id, uint32(len(trailers))) })
}

// complete ends a stream context as a host does: on_done, on_log, on_delete.
func (e *emulator) complete(id uint32) {
	e.stream(id)
	e.on(id, func() {
		e.guest.OnDone(id)
		e.guest.OnLog(id)
		e.guest.OnDelete(id)
	})
	for cid, c := range e.callouts {
		if c.caller == id {
			delete(e.callouts, cid)
		}
	}
	delete(e.streams, id)
}

func (e *emulator) CompleteHttpContext(id uint32) { e.complete(id) }

func (e *emulator) GetCurrentHttpStreamAction(id uint32) types.Action { return e.stream(id).action }

func (e *emulator) GetCurrentRequestHeaders(id uint32) [][2]string {
	return clonePairs(e.stream(id).reqHeaders)
}

func (e *emulator) GetCurrentResponseHeaders(id uint32) [][2]string {
	return clonePairs(e.stream(id).respHeaders)
}

func (e *emulator) GetCurrentRequestBody(id uint32) []byte { return cloneBytes(e.stream(id).reqBody) }

func (e *emulator) GetCurrentResponseBody(id uint32) []byte {
	return cloneBytes(e.stream(id).respBody)
}

func (e *emulator) GetSentLocalResponse(id uint32) *LocalHttpResponse { return e.stream(id).local }
