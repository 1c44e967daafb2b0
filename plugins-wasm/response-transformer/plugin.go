// Package responsetransformer is Kong 3.9's response-transformer plugin as a weir
// proxy-wasm module: it removes, renames, replaces, adds and appends response headers
// and the top-level fields of JSON response bodies.
package responsetransformer

import (
	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
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
}

// jsonOps says whether any json operation is configured: only then is the body read.
func (c *config) jsonOps() bool {
	return len(c.Remove.JSON)+len(c.Rename.JSON)+len(c.Replace.JSON)+len(c.Add.JSON)+len(c.Append.JSON) > 0
}

func init() {
	weir.Register(weir.Plugin[config]{Name: "response-transformer", OnResponse: onResponse, OnResponseBody: onResponseBody})
}

func onResponse(r *weir.Request, c *config) weir.Action {
	before := append([][2]string(nil), r.ResponseHeaders()...) // Kong tests against the headers as they came
	has := func(name string) bool { return weir.HeaderArg(before, name).Kind != weir.ArgAbsent }
	var err error
	for _, e := range c.Remove.Headers {
		name, _ := kongjson.Split(e)
		err = firstErr(err, r.DelResponseHeader(name))
	}
	for _, e := range c.Rename.Headers {
		old, to := kongjson.Split(e)
		if !has(old) || to == "" {
			continue
		}
		for i, v := range values(before, old) {
			if i == 0 {
				err = firstErr(err, r.SetResponseHeader(to, v))
			} else {
				err = firstErr(err, r.AddResponseHeader(to, v))
			}
		}
		err = firstErr(err, r.DelResponseHeader(old))
	}
	for _, e := range c.Replace.Headers {
		if name, value := kongjson.Split(e); value != "" && has(name) {
			err = firstErr(err, r.SetResponseHeader(name, value))
		}
	}
	for _, e := range c.Add.Headers {
		if name, value := kongjson.Split(e); value != "" && !has(name) {
			err = firstErr(err, r.SetResponseHeader(name, value))
		}
	}
	for _, e := range c.Append.Headers {
		if name, value := kongjson.Split(e); value != "" {
			err = firstErr(err, r.AddResponseHeader(name, value))
		}
	}
	if err != nil {
		proxywasm.LogErrorf("response-transformer: headers: %v", err)
	}
	if !c.jsonOps() || !isJSON(weir.HeaderArg(before, "content-type")) {
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

// isJSON says whether a Content-Type names application/json, among comma-separated
// types, as Kong's is_json_body does.
func isJSON(ct weir.Arg) bool {
	if ct.Kind != weir.ArgString {
		return false
	}
	for _, t := range strings.Split(ct.Value, ",") {
		mt, _, _ := strings.Cut(t, ";")
		if strings.EqualFold(strings.TrimSpace(mt), "application/json") {
			return true
		}
	}
	return false
}

func values(headers [][2]string, name string) []string {
	var out []string
	for _, h := range headers {
		if strings.EqualFold(h[0], name) {
			out = append(out, h[1])
		}
	}
	return out
}

func firstErr(err, next error) error {
	if err != nil {
		return err
	}
	return next
}
