package proxywasm

// Stream types (proxy_stream_type_t).
const (
	streamRequest  uint32 = 0
	streamResponse uint32 = 1
)

// SendHttpResponse answers the request from the plugin; the upstream is not called (or
// its response is replaced). The host sends it once the current callback returns; the
// callback should then return types.ActionPause. Pass gRPCStatus -1 for none.
func SendHttpResponse(statusCode uint32, headers [][2]string, body []byte, gRPCStatus int32) error {
	h := encodePairs(headers)
	return statusErr(proxySendLocalResponse(statusCode, nil, 0,
		bytesPtr(body), uint32(len(body)), bytesPtr(h), uint32(len(h)), gRPCStatus))
}

// ResumeHttpRequest resumes a request paused by a callback's types.ActionPause.
func ResumeHttpRequest() error { return statusErr(proxyContinueStream(streamRequest)) }

// ResumeHttpResponse resumes a response paused by a callback's types.ActionPause.
func ResumeHttpResponse() error { return statusErr(proxyContinueStream(streamResponse)) }

// CloseHttpStream ends the stream at once: in weir the client connection is dropped,
// as Envoy resets the stream. Not in the tetratelabs API; proxy_close_stream of the ABI.
func CloseHttpStream() error { return statusErr(proxyCloseStream(streamRequest)) }
