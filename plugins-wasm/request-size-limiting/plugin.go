// Package requestsizelimiting is Kong 3.9's request-size-limiting plugin as a weir
// proxy-wasm module: it refuses requests whose body is larger than allowed, judging by
// Content-Length when the request has a valid one and by the body itself otherwise
// (a chunked request, say).
package requestsizelimiting

import (
	"strconv"
	"strings"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is request-size-limiting's configuration (schema.json).
type config struct {
	AllowedPayloadSize   float64 `json:"allowed_payload_size" default:"128"`
	SizeUnit             string  `json:"size_unit" default:"megabytes" validate:"oneof=megabytes|kilobytes|bytes"`
	RequireContentLength bool    `json:"require_content_length"`
}

// unitBytes are Kong's multipliers: powers of two.
var unitBytes = map[string]float64{"bytes": 1, "kilobytes": 1 << 10, "megabytes": 1 << 20}

// Kong's messages.
const (
	msgTooLarge = "Request size limit exceeded"
	msgLength   = "A valid Content-Length header is required"
)

func init() {
	weir.Register(weir.Plugin[config]{Name: "request-size-limiting", OnRequest: onRequest, OnRequestBody: onBody})
}

func onRequest(r *weir.Request, c *config) weir.Action {
	if n, ok := contentLength(r); ok {
		return check(r, c, n)
	}
	if c.RequireContentLength && r.Header("transfer-encoding") != "chunked" {
		return r.Error(411, msgLength)
	}
	return weir.ReadBody
}

// onBody measures a body that came without a valid Content-Length.
func onBody(r *weir.Request, c *config) weir.Action {
	body := r.Body()
	if body == nil {
		proxywasm.LogWarn("request-size-limiting: missing request body")
		return weir.Continue
	}
	return check(r, c, float64(len(body)))
}

// contentLength reads Content-Length as Lua's tonumber would take it.
func contentLength(r *weir.Request) (float64, bool) {
	if r.HeaderArg("content-length").Kind != weir.ArgString {
		return 0, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(r.Header("content-length")), 64)
	return n, err == nil
}

func check(r *weir.Request, c *config, length float64) weir.Action {
	if length <= c.AllowedPayloadSize*unitBytes[c.SizeUnit] {
		return weir.Continue
	}
	if strings.ToLower(strings.TrimSpace(r.Header("expect"))) == "100-continue" {
		return r.Error(417, msgTooLarge)
	}
	return r.Error(413, msgTooLarge)
}
