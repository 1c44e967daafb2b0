//go:build !wasip1

package proxywasm

import (
	"bytes"
	"strings"
	"unsafe"

	"github.com/weir-gateway/weir/sdk/internal/nativehost"
)

// Native builds have no wasm host. Each import below decodes what the SDK passed into
// Go values and asks the host registered with nativehost (package proxytest's
// emulator); with none registered it answers statusNoHost, which the public API turns
// into ErrNoHost, so plugins still compile, vet and run their pure-Go tests.
// Results the host hands back go through allocate and received, as in wasm.

// mem is the n bytes at p, as the host would read them from guest memory.
func mem(p unsafe.Pointer, n uint32) []byte {
	if p == nil || n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

func memString(p unsafe.Pointer, n uint32) string { return string(mem(p, n)) }

// give copies data into a fresh guest allocation and writes its address and size.
func give(data []byte, retPtr, retSize *uint32) {
	if len(data) == 0 {
		*retPtr, *retSize = 0, 0
		return
	}
	b := unsafe.Slice(allocate(uint32(len(data))), len(data))
	copy(b, data)
	*retPtr, *retSize = addressOf(b), uint32(len(data))
}

func pairsArg(p unsafe.Pointer, n uint32) [][2]string {
	pairs, _ := decodePairs(bytes.Clone(mem(p, n))) // the guest may reuse its buffer
	return pairs
}

func pathArg(p unsafe.Pointer, n uint32) []string { return strings.Split(memString(p, n), "\x00") }

func proxyLog(level uint32, msg unsafe.Pointer, n uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.Log(level, memString(msg, n))
	}
	return statusNoHost
}

func proxyGetLogLevel(ret *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	var st uint32
	*ret, st = h.GetLogLevel()
	return st
}

func proxySetTickPeriodMilliseconds(ms uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.SetTickPeriod(ms)
	}
	return statusNoHost
}

func proxySetEffectiveContext(id uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.SetEffectiveContext(id)
	}
	return statusNoHost
}

func proxyDone() uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.Done()
	}
	return statusNoHost
}

func proxyGetBufferBytes(t, start, max uint32, retPtr, retSize *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	data, st := h.GetBufferBytes(t, start, max)
	if st == statusOK {
		give(data, retPtr, retSize)
	}
	return st
}

func proxySetBufferBytes(t, start, size uint32, val unsafe.Pointer, n uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.SetBufferBytes(t, start, size, append([]byte(nil), mem(val, n)...))
	}
	return statusNoHost
}

func proxyGetHeaderMapPairs(t uint32, retPtr, retSize *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	pairs, st := h.GetHeaderMapPairs(t)
	if st == statusOK {
		give(encodePairs(pairs), retPtr, retSize)
	}
	return st
}

func proxySetHeaderMapPairs(t uint32, data unsafe.Pointer, n uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.SetHeaderMapPairs(t, pairsArg(data, n))
	}
	return statusNoHost
}

func proxyGetHeaderMapValue(t uint32, key unsafe.Pointer, n uint32, retPtr, retSize *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	v, st := h.GetHeaderMapValue(t, memString(key, n))
	if st == statusOK {
		give([]byte(v), retPtr, retSize)
	}
	return st
}

func proxyAddHeaderMapValue(t uint32, key unsafe.Pointer, kn uint32, val unsafe.Pointer, vn uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.AddHeaderMapValue(t, memString(key, kn), memString(val, vn))
	}
	return statusNoHost
}

func proxyReplaceHeaderMapValue(t uint32, key unsafe.Pointer, kn uint32, val unsafe.Pointer, vn uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.ReplaceHeaderMapValue(t, memString(key, kn), memString(val, vn))
	}
	return statusNoHost
}

func proxyRemoveHeaderMapValue(t uint32, key unsafe.Pointer, n uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.RemoveHeaderMapValue(t, memString(key, n))
	}
	return statusNoHost
}

func proxyContinueStream(t uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.ContinueStream(t)
	}
	return statusNoHost
}

func proxyCloseStream(t uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.CloseStream(t)
	}
	return statusNoHost
}

func proxySendLocalResponse(status uint32, details unsafe.Pointer, dn uint32, body unsafe.Pointer, bn uint32, headers unsafe.Pointer, hn uint32, grpc int32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.SendLocalResponse(status, memString(details, dn), append([]byte(nil), mem(body, bn)...), pairsArg(headers, hn), grpc)
	}
	return statusNoHost
}

func proxyHttpCall(up unsafe.Pointer, un uint32, headers unsafe.Pointer, hn uint32, body unsafe.Pointer, bn uint32, trailers unsafe.Pointer, tn uint32, timeout uint32, retID *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	var st uint32
	*retID, st = h.HttpCall(memString(up, un), pairsArg(headers, hn), append([]byte(nil), mem(body, bn)...), pairsArg(trailers, tn), timeout)
	return st
}

func proxyGetProperty(path unsafe.Pointer, n uint32, retPtr, retSize *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	v, st := h.GetProperty(pathArg(path, n))
	if st == statusOK {
		give(v, retPtr, retSize)
	}
	return st
}

func proxySetProperty(path unsafe.Pointer, n uint32, val unsafe.Pointer, vn uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.SetProperty(pathArg(path, n), append([]byte(nil), mem(val, vn)...))
	}
	return statusNoHost
}

func proxyCallForeignFunction(name unsafe.Pointer, nn uint32, args unsafe.Pointer, an uint32, retPtr, retSize *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	v, st := h.CallForeignFunction(memString(name, nn), append([]byte(nil), mem(args, an)...))
	if st == statusOK {
		give(v, retPtr, retSize)
	}
	return st
}

func proxyGetSharedData(key unsafe.Pointer, n uint32, retPtr, retSize, retCAS *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	v, cas, st := h.GetSharedData(memString(key, n))
	if st == statusOK {
		give(v, retPtr, retSize)
		*retCAS = cas
	}
	return st
}

func proxySetSharedData(key unsafe.Pointer, kn uint32, val unsafe.Pointer, vn uint32, cas uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.SetSharedData(memString(key, kn), append([]byte(nil), mem(val, vn)...), cas)
	}
	return statusNoHost
}

func proxyRegisterSharedQueue(name unsafe.Pointer, n uint32, retID *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	var st uint32
	*retID, st = h.RegisterSharedQueue(memString(name, n))
	return st
}

func proxyResolveSharedQueue(vmID unsafe.Pointer, vn uint32, name unsafe.Pointer, n uint32, retID *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	var st uint32
	*retID, st = h.ResolveSharedQueue(memString(vmID, vn), memString(name, n))
	return st
}

func proxyEnqueueSharedQueue(id uint32, val unsafe.Pointer, n uint32) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.EnqueueSharedQueue(id, append([]byte(nil), mem(val, n)...))
	}
	return statusNoHost
}

func proxyDequeueSharedQueue(id uint32, retPtr, retSize *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	v, st := h.DequeueSharedQueue(id)
	if st == statusOK {
		give(v, retPtr, retSize)
	}
	return st
}

func proxyDefineMetric(t uint32, name unsafe.Pointer, n uint32, retID *uint32) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	var st uint32
	*retID, st = h.DefineMetric(t, memString(name, n))
	return st
}

func proxyIncrementMetric(id uint32, delta int64) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.IncrementMetric(id, delta)
	}
	return statusNoHost
}

func proxyRecordMetric(id uint32, value uint64) uint32 {
	if h := nativehost.CurrentHost(); h != nil {
		return h.RecordMetric(id, value)
	}
	return statusNoHost
}

func proxyGetMetric(id uint32, ret *uint64) uint32 {
	h := nativehost.CurrentHost()
	if h == nil {
		return statusNoHost
	}
	var st uint32
	*ret, st = h.GetMetric(id)
	return st
}
