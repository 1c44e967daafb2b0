package proxywasm

import (
	"errors"
	"math"
)

// DispatchHttpCall sends an HTTP request to upstream (in weir, a service name or
// host:port; in Envoy, a cluster) and returns at once with the call's id. The headers
// must hold :method, :path and :authority. When the answer comes, callBack runs on
// the context that called DispatchHttpCall, which may read it with
// GetHttpCallResponseHeaders, GetHttpCallResponseBody and GetHttpCallResponseTrailers;
// numHeaders 0 means the call failed. timeoutMillisecond bounds the whole call.
func DispatchHttpCall(
	upstream string,
	headers [][2]string,
	body []byte,
	trailers [][2]string,
	timeoutMillisecond uint32,
	callBack func(numHeaders, bodySize, numTrailers int),
) (calloutID uint32, err error) {
	root, ok := vm.plugins[rootID(vm.active)]
	if !ok {
		return 0, errNoContext
	}
	h, t := encodePairs(headers), encodePairs(trailers)
	st := proxyHttpCall(stringPtr(upstream), uint32(len(upstream)), bytesPtr(h), uint32(len(h)),
		bytesPtr(body), uint32(len(body)), bytesPtr(t), uint32(len(t)), timeoutMillisecond, &calloutID)
	if err := statusErr(st); err != nil {
		return 0, err
	}
	if root.callouts == nil {
		root.callouts = map[uint32]callout{}
	}
	root.callouts[calloutID] = callout{callback: callBack, caller: vm.active}
	return calloutID, nil
}

var errNoContext = errors.New("proxywasm: no plugin context is running: call from a callback")

// GetHttpCallResponseHeaders returns the answer's headers; call it from the callback
// given to DispatchHttpCall.
func GetHttpCallResponseHeaders() ([][2]string, error) { return getMap(mapHttpCallResponseHeaders) }

// GetHttpCallResponseBody returns up to maxSize bytes of the answer's body from start.
func GetHttpCallResponseBody(start, maxSize int) ([]byte, error) {
	return getBuffer(bufferHttpCallResponseBody, uint32(start), uint32(maxSize))
}

// GetHttpCallResponseTrailers returns the answer's trailers (weir: always none).
func GetHttpCallResponseTrailers() ([][2]string, error) {
	return getMap(mapHttpCallResponseTrailers)
}

// whole is the maxSize that reads a buffer to its end.
const whole = math.MaxInt32
