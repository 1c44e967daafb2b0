package pipeline

import (
	"encoding/json"

	"github.com/weir-gateway/weir/abi"
)

// kongError is an error the gateway itself answers, in the shape of Kong's
// kong.response.error: {"message": ..., "request_id": ...} as JSON.
func kongError(status int, message, requestID string) *abi.LocalResponse {
	body, _ := json.Marshal(struct {
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	}{message, requestID})
	return &abi.LocalResponse{
		Status:     status,
		Body:       body,
		Headers:    [][2]string{{"content-type", "application/json; charset=utf-8"}},
		GRPCStatus: -1,
	}
}
