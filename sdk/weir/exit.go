package weir

import (
	"encoding/json"

	"github.com/weir-gateway/weir/sdk/proxywasm"
)

// sendResponse is the local-response call, a variable so tests can stand in for the host.
var sendResponse = proxywasm.SendHttpResponse

// Exit ends the request with a response from the plugin, like Kong's
// kong.response.exit: body is marshalled as JSON (a string or []byte body too, so
// Exit(401, map[string]string{"message": "..."}) and Exit(500, "oops") both give
// JSON), with content-type application/json; charset=utf-8, plus headers. The
// callback should return types.ActionPause afterwards. A body that cannot be marshalled
// falls back to a 500 with Kong's generic message. A host that refuses the response is
// logged: the plugin has nothing better to do then.
func Exit(status int, body any, headers ...[2]string) {
	b, err := json.Marshal(body)
	if err != nil {
		status = 500
		b = []byte(`{"message":"An unexpected error occurred"}`)
	}
	hs := append([][2]string{{"content-type", "application/json; charset=utf-8"}}, headers...)
	if err := sendResponse(uint32(status), hs, b, -1); err != nil {
		proxywasm.LogErrorf("weir: send %d response: %v", status, err)
	}
}
