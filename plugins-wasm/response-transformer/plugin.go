// Package responsetransformer is Kong 3.9's response-transformer plugin as a weir
// proxy-wasm module: it removes, renames, replaces, adds and appends response headers
// and the top-level fields of JSON response bodies.
package responsetransformer

import (
	"strings"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// names is an operation on names only (remove).
type names struct {
	JSON    []string `json:"json"`
	Headers []string `json:"headers"`
}

// pairs is an operation on name:value entries, with the JSON type of each json value.
type pairs struct {
	JSON      []string `json:"json"`
	JSONTypes []string `json:"json_types" validate:"oneof=boolean|number|string"`
	Headers   []string `json:"headers"`
}

// config is response-transformer's configuration (schema.json).
type config struct {
	Remove  names `json:"remove"`
	Rename  names `json:"rename"`
	Replace pairs `json:"replace"`
	Add     pairs `json:"add"`
	Append  pairs `json:"append"`

	prepared *plan
}

// jsonOps says whether any json operation is configured: only then is the body read.
func (c *config) jsonOps() bool {
	return len(c.Remove.JSON)+len(c.Rename.JSON)+len(c.Replace.JSON)+len(c.Add.JSON)+len(c.Append.JSON) > 0
}

func init() {
	weir.Register(weir.Plugin[config]{Name: "response-transformer", OnResponse: onResponse, OnResponseBody: onResponseBody})
}

func onResponse(r *weir.Request, c *config) weir.Action {
	p := c.plan()
	before := r.ResponseHeaders() // Kong tests against the headers as they came; changes do not alter this slice
	var err error
	for _, name := range p.removeHeaders {
		err = firstErr(err, r.DelResponseHeader(name))
	}
	for _, e := range p.renameHeaders {
		if e.to == "" || !hasHeader(before, e.fromKey) {
			continue
		}
		n := 0
		for _, h := range before {
			if !strings.EqualFold(h[0], e.from) {
				continue
			}
			if n == 0 {
				err = firstErr(err, r.SetResponseHeader(e.to, h[1]))
			} else {
				err = firstErr(err, r.AddResponseHeader(e.to, h[1]))
			}
			n++
		}
		err = firstErr(err, r.DelResponseHeader(e.from))
	}
	for _, h := range p.replaceHeaders {
		if hasHeader(before, h.key) {
			err = firstErr(err, r.SetResponseHeader(h.name, h.value))
		}
	}
	for _, h := range p.addHeaders {
		if !hasHeader(before, h.key) {
			err = firstErr(err, r.SetResponseHeader(h.name, h.value))
		}
	}
	for _, h := range p.appendHeaders {
		err = firstErr(err, r.AddResponseHeader(h.name, h.value))
	}
	if err != nil {
		proxywasm.LogErrorf("response-transformer: headers: %v", err)
	}
	if !c.jsonOps() || !isJSON(before) {
		return weir.Continue
	}
	_ = r.DelResponseHeader("content-length") // the body changes; weir sends its new length
	return weir.ReadBody
}

func onResponseBody(r *weir.Request, c *config) weir.Action {
	out, ok := transformJSON(c, r.Body())
	if !ok {
		proxywasm.LogWarnf("response-transformer: body transform failed: failed parsing json body")
		return weir.Continue
	}
	if err := r.SetBody(out); err != nil {
		proxywasm.LogErrorf("response-transformer: set body: %v", err)
	}
	return weir.Continue
}

// isJSON says whether the one Content-Type header names application/json, among
// comma-separated types, as Kong's is_json_body does (a repeated header is a table,
// which it does not read).
func isJSON(hs [][2]string) bool {
	ct, n := "", 0
	for _, h := range hs {
		if strings.EqualFold(h[0], "content-type") {
			ct, n = h[1], n+1
		}
	}
	if n != 1 {
		return false
	}
	for ct != "" {
		var t string
		t, ct, _ = strings.Cut(ct, ",")
		mt, _, _ := strings.Cut(t, ";")
		if strings.EqualFold(strings.TrimSpace(mt), "application/json") {
			return true
		}
	}
	return false
}

func firstErr(err, next error) error {
	if err != nil {
		return err
	}
	return next
}
