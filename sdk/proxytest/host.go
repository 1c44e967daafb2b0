package proxytest

import (
	"strings"
)

// hostCalls is the emulator as the nativehost.Host the plugin's host calls reach (a
// separate method set: some names clash with HostEmulator's).
type hostCalls emulator

func (e *hostCalls) Log(level uint32, msg string) uint32 {
	if level >= uint32(len(e.logs)) {
		return statusBadArgument
	}
	e.logs[level] = append(e.logs[level], msg)
	return statusOK
}

// GetLogLevel answers trace: the emulator keeps every line.
func (e *hostCalls) GetLogLevel() (uint32, uint32) { return 0, statusOK }

func (e *hostCalls) SetTickPeriod(ms uint32) uint32 {
	e.tickPeriod = ms
	return statusOK
}

func (e *hostCalls) SetEffectiveContext(id uint32) uint32 {
	if _, ok := e.streams[id]; !ok && id != PluginContextID {
		return statusBadArgument
	}
	e.current = id
	return statusOK
}

func (e *hostCalls) Done() uint32 { return statusOK }

// buffer is the byte buffer t of the current context; ok is false when it has none.
func (e *hostCalls) buffer(t uint32) (*[]byte, bool) {
	switch t {
	case 6:
		return &e.vmConf, true
	case 7:
		return &e.plConf, true
	case 4:
		if e.answer == nil {
			return nil, false
		}
		return &e.answer.body, true
	}
	s, ok := e.streams[e.current]
	if !ok {
		return nil, false
	}
	switch t {
	case 0:
		return &s.reqBody, true
	case 1:
		return &s.respBody, true
	case 2:
		return &s.downstream, true
	case 3:
		return &s.upstream, true
	}
	return nil, false
}

func (e *hostCalls) GetBufferBytes(t, start, maxSize uint32) ([]byte, uint32) {
	b, ok := e.buffer(t)
	if !ok {
		return nil, statusNotFound
	}
	data := *b
	if int(start) >= len(data) {
		return nil, statusOK
	}
	end := len(data)
	if uint64(start)+uint64(maxSize) < uint64(end) {
		end = int(start + maxSize)
	}
	return cloneBytes(data[start:end]), statusOK
}

// SetBufferBytes replaces [start, start+size) of the buffer, both clamped to its end:
// start 0 size 0 prepends, a start past the end appends, start 0 with a huge size
// replaces the whole buffer.
func (e *hostCalls) SetBufferBytes(t, start, size uint32, data []byte) uint32 {
	if t >= 4 {
		return statusBadArgument // configurations and call answers are read-only
	}
	b, ok := e.buffer(t)
	if !ok {
		return statusNotFound
	}
	old := *b
	from := min(int(start), len(old))
	to := len(old)
	if uint64(from)+uint64(size) < uint64(to) {
		to = from + int(size)
	}
	out := append(append(append([]byte(nil), old[:from]...), data...), old[to:]...)
	*b = out
	return statusOK
}

// headerMap is the header map t of the current context.
func (e *hostCalls) headerMap(t uint32) (*[][2]string, bool) {
	switch t {
	case 6, 7:
		if e.answer == nil {
			return nil, false
		}
		if t == 6 {
			return &e.answer.headers, true
		}
		return &e.answer.trailers, true
	}
	s, ok := e.streams[e.current]
	if !ok {
		return nil, false
	}
	switch t {
	case 0:
		return &s.reqHeaders, true
	case 1:
		return &s.reqTrailers, true
	case 2:
		return &s.respHeaders, true
	case 3:
		return &s.respTrailers, true
	}
	return nil, false
}

func (e *hostCalls) GetHeaderMapPairs(t uint32) ([][2]string, uint32) {
	m, ok := e.headerMap(t)
	if !ok {
		return nil, statusNotFound
	}
	return clonePairs(*m), statusOK
}

func (e *hostCalls) SetHeaderMapPairs(t uint32, pairs [][2]string) uint32 {
	m, ok := e.headerMap(t)
	if !ok || t >= 6 {
		return statusNotFound
	}
	*m = lower(pairs)
	return statusOK
}

func (e *hostCalls) GetHeaderMapValue(t uint32, key string) (string, uint32) {
	m, ok := e.headerMap(t)
	if !ok {
		return "", statusNotFound
	}
	key = strings.ToLower(key)
	for _, p := range *m {
		if p[0] == key {
			return p[1], statusOK
		}
	}
	return "", statusNotFound
}

func (e *hostCalls) AddHeaderMapValue(t uint32, key, value string) uint32 {
	m, ok := e.headerMap(t)
	if !ok || t >= 6 {
		return statusNotFound
	}
	*m = append(*m, [2]string{strings.ToLower(key), value})
	return statusOK
}

func (e *hostCalls) ReplaceHeaderMapValue(t uint32, key, value string) uint32 {
	if st := e.RemoveHeaderMapValue(t, key); st != statusOK {
		return st
	}
	return e.AddHeaderMapValue(t, key, value)
}

func (e *hostCalls) RemoveHeaderMapValue(t uint32, key string) uint32 {
	m, ok := e.headerMap(t)
	if !ok || t >= 6 {
		return statusNotFound
	}
	key = strings.ToLower(key)
	kept := (*m)[:0:0]
	for _, p := range *m {
		if p[0] != key {
			kept = append(kept, p)
		}
	}
	*m = kept
	return statusOK
}

// ContinueStream resumes the current stream. On a TCP context the stream type picks
// the direction: 2 (ContinueTcpStream) the downstream data, 3 the upstream data; the
// data buffered while paused is then passed on, so the next data starts a new buffer.
func (e *hostCalls) ContinueStream(t uint32) uint32 {
	s, ok := e.streams[e.current]
	if !ok {
		return statusNotFound
	}
	if !s.tcp {
		s.action = 0 // types.ActionContinue
		return statusOK
	}
	switch t {
	case 2:
		s.downAction = 0
	case 3:
		s.upAction = 0
	default:
		return statusBadArgument
	}
	return statusOK
}

func (e *hostCalls) CloseStream(uint32) uint32 {
	if _, ok := e.streams[e.current]; !ok {
		return statusNotFound
	}
	return statusOK
}

func (e *hostCalls) SendLocalResponse(status uint32, details string, body []byte, headers [][2]string, grpc int32) uint32 {
	s, ok := e.streams[e.current]
	if !ok {
		return statusNotFound
	}
	s.local = &LocalHttpResponse{StatusCode: status, StatusCodeDetail: details, Data: body, Headers: headers, GRPCStatus: grpc}
	return statusOK
}

// HttpCall records the call; a test answers it with CallOnHttpCallResponse. As weir
// does, it refuses a call without :method, :path or :authority.
func (e *hostCalls) HttpCall(upstream string, headers [][2]string, body []byte, trailers [][2]string, _ uint32) (uint32, uint32) {
	need := map[string]bool{":method": true, ":path": true, ":authority": true}
	for _, h := range headers {
		delete(need, strings.ToLower(h[0]))
	}
	if len(need) > 0 || upstream == "" {
		return 0, statusBadArgument
	}
	id := e.nextCallID
	e.nextCallID++
	e.callouts[id] = &pendingCall{caller: e.current, attr: HttpCalloutAttribute{
		CalloutID: id, Upstream: upstream, Headers: headers, Trailers: trailers, Body: body,
	}}
	return id, statusOK
}

func (e *hostCalls) GetProperty(path []string) ([]byte, uint32) {
	v, ok := e.props[pathKey(path)]
	if !ok {
		return nil, statusNotFound
	}
	return v, statusOK
}

func (e *hostCalls) SetProperty(path []string, value []byte) uint32 {
	e.props[pathKey(path)] = value
	return statusOK
}

func (e *hostCalls) CallForeignFunction(name string, args []byte) ([]byte, uint32) {
	f, ok := e.foreign[name]
	if !ok {
		return nil, statusNotFound
	}
	return f(args), statusOK
}

func (e *hostCalls) GetSharedData(key string) ([]byte, uint32, uint32) {
	v, ok := e.shared[key]
	if !ok {
		return nil, 0, statusNotFound
	}
	return cloneBytes(v.data), v.cas, statusOK
}

// SetSharedData follows cpp-host: cas 0 writes unconditionally, a missing key takes
// any cas, otherwise the cas must match.
func (e *hostCalls) SetSharedData(key string, value []byte, cas uint32) uint32 {
	v, ok := e.shared[key]
	if ok && cas != 0 && cas != v.cas {
		return statusCASMismatch
	}
	e.shared[key] = sharedValue{data: value, cas: v.cas + 1}
	return statusOK
}

func (e *hostCalls) RegisterSharedQueue(name string) (uint32, uint32) {
	return e.queueID(e.vmID, name, true), statusOK
}

func (e *hostCalls) ResolveSharedQueue(vmID, name string) (uint32, uint32) {
	if id := e.queueID(vmID, name, false); id != 0 {
		return id, statusOK
	}
	return 0, statusNotFound
}

// queueID finds (or, with create, makes) the queue name of VM vmID.
func (e *hostCalls) queueID(vmID, name string, create bool) uint32 {
	key := vmID + "\x00" + name
	if id, ok := e.queueIDs[key]; ok || !create {
		return id
	}
	id := uint32(len(e.queueIDs) + 1)
	e.queueIDs[key] = id
	e.queues[id] = &queue{name: name}
	return id
}

func (e *hostCalls) EnqueueSharedQueue(id uint32, value []byte) uint32 {
	q, ok := e.queues[id]
	if !ok {
		return statusNotFound
	}
	q.items = append(q.items, value)
	e.readyQueues = append(e.readyQueues, id)
	return statusOK
}

func (e *hostCalls) DequeueSharedQueue(id uint32) ([]byte, uint32) {
	q, ok := e.queues[id]
	if !ok {
		return nil, statusNotFound
	}
	if len(q.items) == 0 {
		return nil, statusEmpty
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v, statusOK
}

func (e *hostCalls) DefineMetric(kind uint32, name string) (uint32, uint32) {
	if kind > 2 {
		return 0, statusBadArgument
	}
	if id, ok := e.metricIDs[name]; ok {
		return id, statusOK
	}
	id := uint32(len(e.metricIDs) + 1)
	e.metricIDs[name] = id
	e.metrics[id] = &metric{kind: kind}
	return id, statusOK
}

// IncrementMetric adds delta; a counter cannot go down (BAD_ARGUMENT).
func (e *hostCalls) IncrementMetric(id uint32, delta int64) uint32 {
	m, ok := e.metrics[id]
	if !ok {
		return statusNotFound
	}
	if m.kind != 1 && delta < 0 || m.kind == 2 {
		return statusBadArgument
	}
	m.value += uint64(delta)
	return statusOK
}

func (e *hostCalls) RecordMetric(id uint32, value uint64) uint32 {
	m, ok := e.metrics[id]
	if !ok {
		return statusNotFound
	}
	if m.kind == 2 {
		m.value += value
	} else {
		m.value = value
	}
	return statusOK
}

func (e *hostCalls) GetMetric(id uint32) (uint64, uint32) {
	m, ok := e.metrics[id]
	if !ok {
		return 0, statusNotFound
	}
	return m.value, statusOK
}
