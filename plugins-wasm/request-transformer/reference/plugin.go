// Command reference is request-transformer's Go implementation, from before the
// built-in moved to Rust (../plugin.rs), kept as the reference that
// ../reference_test.go holds the Rust plugin to: Kong 3.9's request-transformer as a
// weir proxy-wasm module, which rewrites the request before it goes upstream (path,
// method, headers, body fields and query arguments), with values that may be templates
// over the request ($(headers.x), $(query_params.y), $(uri_captures.n), $(shared.k)).
// The test builds it (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared) and uploads it
// beside the built-in; the gateway does not embed it.
package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// names is the remove operation: header, query and body names.
type names struct {
	Body        []string `json:"body"`
	Headers     []string `json:"headers"`
	Querystring []string `json:"querystring"`
}

// pairs are the other operations: name:value entries (old:new for rename).
type pairs struct {
	Body        []string `json:"body"`
	Headers     []string `json:"headers"`
	Querystring []string `json:"querystring"`
}

// replace also rewrites the path.
type replace struct {
	pairs
	URI string `json:"uri"`
}

// config is request-transformer's configuration (schema.json).
type config struct {
	HTTPMethod string  `json:"http_method"`
	Remove     names   `json:"remove"`
	Rename     pairs   `json:"rename"`
	Replace    replace `json:"replace"`
	Add        pairs   `json:"add"`
	Append     pairs   `json:"append"`
}

// Validate refuses templates the plugin cannot evaluate, and entries without a value.
func (c *config) Validate() error {
	for _, op := range []struct {
		name string
		p    pairs
	}{{"rename", c.Rename}, {"replace", c.Replace.pairs}, {"add", c.Add}, {"append", c.Append}} {
		for i, list := range [][]string{op.p.Body, op.p.Headers, op.p.Querystring} {
			for _, e := range list {
				name, v := kongjson.Split(e)
				if v == "" && i == 1 && op.name != "rename" {
					continue // a header entry without a value: Kong's nil leaves the header alone
				}
				if v == "" {
					return fmt.Errorf("%s: key '%s' has no value", op.name, name)
				}
				if err := checkTemplate(v); err != nil {
					return fmt.Errorf("%s: value '%s' is not in supported format, error:%v", op.name, v, err)
				}
			}
		}
	}
	return checkTemplate(c.Replace.URI)
}

func (c *config) bodyOps() bool {
	return len(c.Remove.Body)+len(c.Rename.Body)+len(c.Replace.Body)+len(c.Add.Body)+len(c.Append.Body) > 0
}

func (c *config) queryOps() bool {
	return len(c.Remove.Querystring)+len(c.Rename.Querystring)+len(c.Replace.Querystring)+
		len(c.Add.Querystring)+len(c.Append.Querystring) > 0
}

// mergesBody says whether the method change moves a form body into the query.
func (c *config) mergesBody() bool {
	return c.HTTPMethod == "GET" || c.HTTPMethod == "HEAD" || c.HTTPMethod == "TRACE"
}

func init() {
	weir.Register(weir.Plugin[config]{Name: "request-transformer", OnRequest: onRequest,
		OnRequestBody: func(r *weir.Request, c *config) weir.Action { return execute(r, c, true) }})
}

// main is empty: a c-shared wasm module never runs it; init registers the plugin.
func main() {}

func onRequest(r *weir.Request, c *config) weir.Action {
	if c.bodyOps() || c.mergesBody() {
		return weir.ReadBody
	}
	return execute(r, c, false)
}

// Content types whose bodies Kong transforms.
const (
	ctJSON  = "json"
	ctMulti = "multi_part"
	ctForm  = "form_encoded"
)

func contentType(ct string) string {
	ct = strings.ToLower(ct)
	switch {
	case strings.Contains(ct, "application/json"):
		return ctJSON
	case strings.Contains(ct, "multipart/form-data"):
		return ctMulti
	case strings.Contains(ct, "application/x-www-form-urlencoded"):
		return ctForm
	}
	return ""
}

// exchange is the request being transformed: what Kong's steps read and change, and
// the template environment, whose tables load on first use as in Kong.
type exchange struct {
	r         *weir.Request
	c         *config
	haveBody  bool
	method    string
	path      string
	query     string
	pathSet   bool // the path or the query changed: :path is rewritten
	authority string
	headers   *headerTable
	orig      *headerTable // the headers as they came, for writing back only changes
	body      []byte
	bodySet   bool

	envHeaders  *headerTable
	envQuery    args
	envCaptures map[string]string
}

// errPath is Kong's set_path refusing a path that does not start with '/'.
var errPath = errors.New("path must start with /")

// execute runs Kong's steps in its order: uri, method, headers, body, query.
func execute(r *weir.Request, c *config, haveBody bool) weir.Action {
	orig := newHeaderTable(r.Headers())
	x := &exchange{r: r, c: c, haveBody: haveBody, method: r.Method(), path: r.Path(),
		query: string(r.Query()), authority: r.Host(), headers: orig.clone(), orig: orig}
	err := x.uri()
	if err == nil {
		x.httpMethod()
		err = x.transformHeaders()
	}
	if err == nil {
		err = x.transformBody()
	}
	if err == nil {
		err = x.transformQuery()
	}
	if err != nil {
		proxywasm.LogErrorf("request-transformer: %v", err)
		return r.Error(500, "An unexpected error occurred")
	}
	x.apply()
	return weir.Continue
}

// render expands a configured value's template.
func (x *exchange) render(tmpl string) (string, error) {
	if !strings.Contains(tmpl, "$(") {
		return tmpl, nil // a plain value: no need for the environment (a closure)
	}
	out, err := render(tmpl, x.env)
	if err != nil {
		return "", fmt.Errorf("failed to render the template %s, error:%v", tmpl, err)
	}
	return out, nil
}

// env gives the template tables, each read from the request the first time a
// template uses it.
func (x *exchange) env(name string) namespace {
	switch name {
	case "headers":
		if x.envHeaders == nil {
			x.envHeaders = x.headers.clone()
			x.envHeaders.set("host", str(x.authority))
		}
		return x.envHeaders.namespace
	case "query_params":
		if x.envQuery == nil {
			x.envQuery = parseArgs(x.query)
		}
		return x.envQuery.namespace
	case "uri_captures":
		if x.envCaptures == nil {
			x.envCaptures = map[string]string{}
			pairs, _ := proxywasm.GetPropertyMap([]string{"weir", "uri_captures"})
			for _, p := range pairs {
				x.envCaptures[p[0]] = p[1]
			}
		}
		return func(k string) value {
			if v, ok := x.envCaptures[k]; ok {
				return str(v)
			}
			return value{}
		}
	case "shared":
		return func(k string) value {
			if v, ok := weir.CtxGet(k); ok {
				return str(string(v))
			}
			return value{}
		}
	}
	return nil
}

func (x *exchange) uri() error {
	if x.c.Replace.URI == "" {
		return nil
	}
	p, err := x.render(x.c.Replace.URI)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("replace.uri %q: %w", p, errPath)
	}
	x.path, x.pathSet = escapePath(p), true
	return nil
}

// httpMethod changes the method; to GET, HEAD or TRACE a form body's arguments also
// join the query (the body stays).
func (x *exchange) httpMethod() {
	if x.c.HTTPMethod == "" {
		return
	}
	x.method = strings.ToUpper(x.c.HTTPMethod)
	if !x.c.mergesBody() || contentType(x.r.Header("content-type")) != ctForm {
		return
	}
	form := parseArgs(string(x.r.Body()))
	if len(form) == 0 {
		return
	}
	q := parseArgs(x.query)
	for name, v := range form {
		old := q[name]
		switch {
		case !old.set:
			q[name] = v
		case old.list != nil:
			q[name] = value{set: true, list: append(old.list, v)}
		default:
			q[name] = value{set: true, list: []value{old, v}}
		}
	}
	x.query, x.pathSet = q.encode(), true
}

// transformQuery runs the query operations on the query as templates see it.
func (x *exchange) transformQuery() error {
	if !x.c.queryOps() {
		return nil
	}
	x.env("query_params")
	q := make(args, len(x.envQuery))
	for k, v := range x.envQuery {
		q[k] = v
	}
	if err := x.transformArgs(q, x.c, opsQuery, true); err != nil {
		return err
	}
	x.query, x.pathSet = q.encode(), true
	return nil
}

// apply writes the changes to the request: one header-map write (pseudo-headers
// included) and the body.
func (x *exchange) apply() {
	target := x.r.RawPath()
	if x.pathSet {
		target = x.path
		if x.query != "" {
			target += "?" + x.query
		}
	}
	if x.bodySet {
		x.headers.set("content-length", str(strconv.Itoa(len(x.body))))
	}
	var errs errList
	for _, h := range [...][2]string{{":method", x.method}, {":path", target}, {":authority", x.authority}} {
		if h[1] != x.r.Header(h[0]) {
			errs.add(proxywasm.ReplaceHttpRequestHeader(h[0], h[1]))
		}
	}
	x.writeHeaderChanges(&errs)
	if err := errors.Join(errs...); err != nil {
		proxywasm.LogErrorf("request-transformer: set headers: %v", err)
	}
	if x.bodySet {
		if err := x.r.SetBody(x.body); err != nil {
			proxywasm.LogErrorf("request-transformer: set body: %v", err)
		}
	}
}

// writeHeaderChanges sends the host what the transformations changed, header by
// header: a config edits a few headers of many, and writing the whole map back cost
// more than the rest of the plugin. A header removed is removed; one set to a single
// value over a single value is replaced in place; any other change removes the name
// and adds its values, in order, at the end, where a rebuilt map would put them too.
func (x *exchange) writeHeaderChanges(errs *errList) {
	orig, now := x.orig.fields, x.headers.fields
	// match[j] is the position in orig of now[j]'s name, -1 for a new name. The
	// transformations keep the fields they leave in their order, so the next field of
	// orig is tried first and a search is rare (a guest pays dearly for loops).
	var matchBuf [32]int
	var keptBuf [32]bool
	match, kept := matchBuf[:0], keptBuf[:]
	if len(now) > len(matchBuf) {
		match = make([]int, 0, len(now))
	}
	if len(orig) > len(keptBuf) {
		kept = make([]bool, len(orig))
	}
	next := 0
	for _, f := range now {
		i := -1
		if next < len(orig) && orig[next].name == f.name {
			i = next
		} else {
			i = x.orig.index(f.name)
		}
		if i >= 0 {
			next = i + 1
			kept[i] = true
		}
		match = append(match, i)
	}
	for i, f := range orig {
		if !kept[i] {
			errs.add(proxywasm.RemoveHttpRequestHeader(f.name))
		}
	}
	for j, f := range now {
		i := match[j]
		if i >= 0 && sameValues(orig[i].v, f.v) {
			continue
		}
		if i >= 0 && f.v.list == nil && orig[i].v.list == nil {
			errs.add(proxywasm.ReplaceHttpRequestHeader(f.name, f.v.String()))
			continue
		}
		if i >= 0 {
			errs.add(proxywasm.RemoveHttpRequestHeader(f.name))
		}
		if f.v.list == nil {
			errs.add(proxywasm.AddHttpRequestHeader(f.name, f.v.String()))
			continue
		}
		for _, e := range f.v.list {
			errs.add(proxywasm.AddHttpRequestHeader(f.name, e.String()))
		}
	}
}

// errList collects the host's refusals of a series of changes.
type errList []error

func (l *errList) add(err error) {
	if err != nil {
		*l = append(*l, err)
	}
}

// sameValues reports whether a header's value (or list of values) is unchanged.
func sameValues(a, b value) bool {
	if (a.list == nil) != (b.list == nil) || len(a.list) != len(b.list) {
		return false
	}
	if a.list == nil {
		return a.String() == b.String()
	}
	for i := range a.list {
		if a.list[i].String() != b.list[i].String() {
			return false
		}
	}
	return true
}

// escapePath percent-encodes what may not stand in a path (spaces, controls,
// non-ASCII), keeping existing escapes.
func escapePath(p string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}' || c == '#' || c == '?' {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
