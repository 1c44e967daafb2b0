// Package requesttermination is Kong 3.9's request-termination plugin as a weir
// proxy-wasm module: it answers every request itself (a fixed status and message, a
// raw body, or with echo a JSON copy of the request), optionally only when a trigger
// header or query argument is present.
package requesttermination

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is request-termination's configuration (schema.json).
type config struct {
	StatusCode  int    `json:"status_code" default:"503" validate:"min=100,max=599"`
	Message     string `json:"message"`
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
	Echo        bool   `json:"echo"`
	Trigger     string `json:"trigger"`
}

// Validate is Kong's custom_validator for the config, with its messages.
func (c *config) Validate() error {
	switch {
	case c.Message != "" && (c.ContentType != "" || c.Body != ""):
		return errors.New("message cannot be used with content_type or body")
	case c.ContentType != "" && c.Body == "":
		return errors.New("content_type requires a body")
	case c.Echo && (c.ContentType != "" || c.Body != ""):
		return errors.New("echo cannot be used with content_type and body")
	}
	return nil
}

// defaultMessages are Kong's messages for the statuses that have one.
var defaultMessages = map[int]string{
	401: "Unauthorized",
	404: "Not found",
	405: "Method not allowed",
	500: "An unexpected error occurred",
	502: "Bad Gateway",
	503: "Service unavailable",
}

func init() {
	weir.Register(weir.Plugin[config]{Name: "request-termination", OnRequest: onRequest, OnRequestBody: echo})
}

func onRequest(r *weir.Request, c *config) weir.Action {
	if c.Trigger != "" && r.HeaderArg(c.Trigger).Kind == weir.ArgAbsent && r.Query().Arg(c.Trigger).Kind == weir.ArgAbsent {
		return weir.Continue // the trigger is not there: nothing to do
	}
	if c.Echo {
		return weir.ReadBody // echo answers from OnRequestBody, with the body
	}
	if c.Body != "" {
		var hs [][2]string
		if c.ContentType != "" {
			hs = append(hs, [2]string{"content-type", c.ContentType})
		}
		send(c.StatusCode, hs, []byte(c.Body))
		return weir.Stop
	}
	msg := c.Message
	if msg == "" {
		msg = defaultMessages[c.StatusCode]
	}
	if msg == "" {
		send(c.StatusCode, nil, nil) // Kong exits with no body at all
		return weir.Stop
	}
	return r.Exit(c.StatusCode, map[string]string{"message": msg})
}

func send(status int, headers [][2]string, body []byte) {
	if err := proxywasm.SendHttpResponse(uint32(status), headers, body, -1); err != nil {
		proxywasm.LogErrorf("request-termination: send %d: %v", status, err)
	}
}

// echo answers with the request as Kong's echo does: the message, the node, the
// request (scheme, host, port, headers, query, parsed and raw body, method, path, uri
// captures) and the matched route and service.
func echo(r *weir.Request, c *config) weir.Action {
	if !c.Echo {
		return weir.Continue
	}
	msg := c.Message
	if msg == "" {
		msg = defaultMessages[c.StatusCode]
	}
	route, service := matched()
	out := map[string]any{
		"kong": map[string]any{
			"node_id":    prop("node.id"),
			"worker_pid": propInt("weir.worker_pid"),
			"hostname":   prop("weir.hostname"),
		},
		"request": map[string]any{
			"scheme":       prop("request.scheme"),
			"host":         host(r.Host()),
			"port":         propInt("destination.port"),
			"headers":      headers(r.Headers()),
			"query":        argsTable(r.Query().Args()),
			"raw_body":     string(r.Body()),
			"method":       r.Method(),
			"path":         r.Path(),
			"uri_captures": captures(),
		},
		"matched_route":   route,
		"matched_service": service,
	}
	if b := body(r); b != nil {
		out["request"].(map[string]any)["body"] = b
	}
	if msg != "" {
		out["message"] = msg
	}
	return r.Exit(c.StatusCode, out)
}

// body is kong.request.get_body: a JSON body decoded, a form's arguments; nil for
// anything else (the field is then left out, as a Lua nil is).
func body(r *weir.Request) any {
	raw := r.Body()
	ct := strings.ToLower(r.Header("content-type"))
	switch {
	case strings.Contains(ct, "application/json"):
		var v any
		if json.Unmarshal(raw, &v) == nil {
			return v
		}
	case strings.Contains(ct, "application/x-www-form-urlencoded"):
		return argsTable(weir.Query(raw).Args())
	}
	return nil
}

// headers is kong.request.get_headers: lower-case names (Host included), a repeated
// header as a list.
func headers(hs [][2]string) map[string]any {
	out := map[string]any{}
	for _, h := range hs {
		name := h[0]
		switch {
		case name == ":authority":
			name = "host"
		case strings.HasPrefix(name, ":"):
			continue
		}
		add(out, strings.ToLower(name), h[1])
	}
	return out
}

// argsTable is a query or form as Kong's PDK gives it: a value, a list for a repeated
// argument, true for a flag.
func argsTable(args []weir.QueryArg) map[string]any {
	out := map[string]any{}
	for _, a := range args {
		var v any = a.Value
		if a.Flag {
			v = true
		}
		add(out, a.Name, v)
	}
	return out
}

func add(m map[string]any, k string, v any) {
	switch old := m[k].(type) {
	case nil:
		m[k] = v
	case []any:
		m[k] = append(old, v)
	default:
		m[k] = []any{old, v}
	}
}

// captures is kong.request.get_uri_captures: positional captures in order, named ones
// by name.
func captures() map[string]any {
	unnamed, named := []string{}, map[string]string{}
	pairs, _ := proxywasm.GetPropertyMap([]string{"weir", "uri_captures"})
	byPos := map[int]string{}
	for _, p := range pairs {
		if n, ok := position(p[0]); ok {
			byPos[n] = p[1]
		} else {
			named[p[0]] = p[1]
		}
	}
	for i := 1; ; i++ {
		v, ok := byPos[i]
		if !ok {
			break
		}
		unnamed = append(unnamed, v)
	}
	return map[string]any{"unnamed": unnamed, "named": named}
}

func position(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// host is the request's host without its port.
func host(authority string) string {
	if strings.HasPrefix(authority, "[") {
		if i := strings.IndexByte(authority, ']'); i > 0 {
			return authority[:i+1]
		}
	}
	h, _, _ := strings.Cut(authority, ":")
	return strings.ToLower(h)
}

// matched is the route and service the request matched, as the Admin API shows them.
func matched() (route, service json.RawMessage) {
	out, err := proxywasm.CallForeignFunction("weir.router_match", []byte("{}"))
	var m struct {
		Route   json.RawMessage `json:"route"`
		Service json.RawMessage `json:"service"`
	}
	if err != nil || json.Unmarshal(out, &m) != nil {
		proxywasm.LogErrorf("request-termination: router match: %v", err)
		return nil, nil
	}
	return m.Route, m.Service
}

func prop(path string) string {
	v, _ := weir.Property(path)
	return v
}

func propInt(path string) any {
	v, ok := weir.Property(path)
	if !ok || len(v) != 8 {
		return nil
	}
	return int64(binary.LittleEndian.Uint64([]byte(v)))
}
