package pipeline

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/store"
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

// httpsRedirect answers a route that takes only https when the request came over plain
// http, as Kong does: 426 with its body and Upgrade headers, or a redirect (301, 302,
// 307, 308) to the same host and request target over https. It returns nil when the
// request may go on.
func httpsRedirect(r *store.Route, scheme, host, target, id string) *abi.LocalResponse {
	if scheme == "https" || !slices.Contains(r.Protocols, "https") || slices.Contains(r.Protocols, "http") {
		return nil
	}
	switch code := r.HTTPSRedirectStatusCode; code {
	case 301, 302, 307, 308:
		h, _ := splitHost(host)
		return &abi.LocalResponse{Status: code, Headers: [][2]string{{"location", "https://" + h + target}}, GRPCStatus: -1}
	default:
		resp := kongError(426, "Please use HTTPS protocol", id)
		resp.Headers = append(resp.Headers, [2]string{"connection", "Upgrade"}, [2]string{"upgrade", "TLS/1.2, HTTP/1.1"})
		return resp
	}
}

// grpcCheck answers a request on a gRPC-only route that is not gRPC, as Kong does:
// 426 when it did not come over HTTP/2, 415 when its content type is not gRPC's.
func grpcCheck(r *store.Route, protocol, contentType, id string) *abi.LocalResponse {
	grpc := slices.Contains(r.Protocols, "grpc") || slices.Contains(r.Protocols, "grpcs")
	if !grpc || slices.Contains(r.Protocols, "http") || slices.Contains(r.Protocols, "https") {
		return nil
	}
	if protocol != "HTTP/2" {
		resp := kongError(426, "Please use HTTP2 protocol", id)
		resp.Headers = append(resp.Headers, [2]string{"connection", "Upgrade"}, [2]string{"upgrade", "HTTP/2"})
		return resp
	}
	if !strings.HasPrefix(contentType, "application/grpc") {
		return kongError(415, "Non-gRPC request matched gRPC route", id)
	}
	return nil
}
