package weir

import "github.com/weir-gateway/weir/sdk/proxywasm"

// requestID reads the request id the gateway gave this request; a variable so tests can
// stand in for the host.
var requestID = func() string {
	id, err := proxywasm.GetProperty([]string{"request", "id"})
	if err != nil {
		return ""
	}
	return string(id)
}

// errorBody is Kong's error body: the message and, as Kong 3.6+ adds, the request id.
type errorBody struct {
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// Error ends the request like Kong's kong.response.error: a JSON body
// {"message": msg, "request_id": id} (the id omitted when the host has none), plus
// headers. The callback should return types.ActionPause afterwards.
func Error(status int, msg string, headers ...[2]string) {
	Exit(status, errorBody{Message: msg, RequestID: requestID()}, headers...)
}
