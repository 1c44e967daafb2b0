package weir

import (
	"errors"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

// Request is one exchange as a Plugin's callbacks see it: the request, and from
// OnResponse on the response. Reads are cached within a callback (one host call for the
// whole header map, however many headers are read) and the cache is dropped by every
// change the plugin makes and at the next callback, since plugins before this one may
// have changed the request in between.
//
// Header names are matched case-insensitively; weir hands them to plugins lower-cased.
// Changes return the host's error, which is worth logging and rarely more: a change
// the host refuses leaves the request as it was.
type Request struct {
	// Data is the plugin's own per-request state, kept from one callback to the next.
	Data any

	reqHeaders, respHeaders [][2]string
	haveReq, haveResp       bool
	bodySize                int
	response                bool // the body callback running is the response's
	body                    []byte
	haveBody                bool
	parsed                  *Body
}

// newPhase drops what an earlier callback read.
func (r *Request) newPhase() {
	r.haveReq, r.haveResp, r.haveBody, r.parsed = false, false, false, nil
	r.reqHeaders, r.respHeaders, r.body = nil, nil, nil
	r.bodySize, r.response = 0, false
}

// Headers returns the request headers, pseudo-headers (:method, :path, :authority,
// :scheme) included. The slice is the cache: do not change it.
func (r *Request) Headers() [][2]string {
	if !r.haveReq {
		hs, err := proxywasm.GetHttpRequestHeaders()
		if err != nil {
			proxywasm.LogErrorf("weir: read request headers: %v", err)
		}
		r.reqHeaders, r.haveReq = hs, true
	}
	return r.reqHeaders
}

// Header returns the first value of a request header, "" when absent.
func (r *Request) Header(name string) string { return first(r.Headers(), name) }

// HeaderArg looks a request header up as Kong's auth plugins do (see HeaderArg). Unless
// the headers were read already, weir answers for that header alone.
func (r *Request) HeaderArg(name string) Arg {
	if !r.haveReq {
		if a, ok := headerValueArg(mapRequestHeaders, name); ok {
			return a
		}
	}
	return HeaderArg(r.Headers(), name)
}

// SetHeader replaces every value of a request header with one.
func (r *Request) SetHeader(name, value string) error {
	r.haveReq = false
	return proxywasm.ReplaceHttpRequestHeader(name, value)
}

// AddHeader adds a value to a request header.
func (r *Request) AddHeader(name, value string) error {
	r.haveReq = false
	return proxywasm.AddHttpRequestHeader(name, value)
}

// DelHeader removes a request header.
func (r *Request) DelHeader(name string) error {
	r.haveReq = false
	return proxywasm.RemoveHttpRequestHeader(name)
}

// Method is the request's method.
func (r *Request) Method() string { return r.Header(":method") }

// Host is the request's :authority (its Host header).
func (r *Request) Host() string { return r.Header(":authority") }

// RawPath is the request's :path as the client sent it (after earlier plugins'
// changes): path and query.
func (r *Request) RawPath() string { return r.Header(":path") }

// Path is the request's path without its query.
func (r *Request) Path() string {
	p, _, _ := strings.Cut(r.RawPath(), "?")
	return p
}

// Query is the request's raw query string.
func (r *Request) Query() Query {
	_, q, _ := strings.Cut(r.RawPath(), "?")
	return Query(q)
}

// SetPath replaces the request's :path (path and query) the upstream will see.
func (r *Request) SetPath(rawPath string) error { return r.SetHeader(":path", rawPath) }

// SetQuery replaces the query of the request's :path; an empty q removes the '?'.
func (r *Request) SetQuery(q Query) error {
	p := r.Path()
	if q != "" {
		p += "?" + string(q)
	}
	return r.SetPath(p)
}

// Body is the whole body in OnRequestBody (the request's) or OnResponseBody (the
// response's); nil elsewhere.
func (r *Request) Body() []byte {
	if r.haveBody || r.bodySize == 0 {
		return r.body
	}
	get := proxywasm.GetHttpRequestBody
	if r.response {
		get = proxywasm.GetHttpResponseBody
	}
	b, err := get(0, r.bodySize)
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogErrorf("weir: read body: %v", err)
	}
	r.body, r.haveBody = b, true
	return b
}

// ParsedBody is Body parsed by its content type (see ParseBody).
func (r *Request) ParsedBody() Body {
	if r.parsed == nil {
		ct := r.Header("content-type")
		if r.response {
			ct = r.ResponseHeader("content-type")
		}
		b := ParseBody(ct, r.Body())
		r.parsed = &b
	}
	return *r.parsed
}

// BodyArg looks a field of the parsed body up (see Body.Arg).
func (r *Request) BodyArg(name string) Arg { return r.ParsedBody().Arg(name) }

// SetBody replaces the body of the body callback running (weir fixes Content-Length).
func (r *Request) SetBody(b []byte) error {
	r.body, r.haveBody, r.parsed = b, true, nil
	r.bodySize = len(b)
	if r.response {
		return proxywasm.ReplaceHttpResponseBody(b)
	}
	return proxywasm.ReplaceHttpRequestBody(b)
}

// ResponseHeaders returns the response headers, :status included (from OnResponse on).
func (r *Request) ResponseHeaders() [][2]string {
	if !r.haveResp {
		hs, err := proxywasm.GetHttpResponseHeaders()
		if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
			proxywasm.LogErrorf("weir: read response headers: %v", err)
		}
		r.respHeaders, r.haveResp = hs, true
	}
	return r.respHeaders
}

// ResponseHeader returns the first value of a response header.
func (r *Request) ResponseHeader(name string) string { return first(r.ResponseHeaders(), name) }

// Status is the response's status code, 0 before there is a response.
func (r *Request) Status() int {
	n, _ := strconv.Atoi(r.ResponseHeader(":status"))
	return n
}

// SetResponseHeader replaces every value of a response header with one.
func (r *Request) SetResponseHeader(name, value string) error {
	r.haveResp = false
	return proxywasm.ReplaceHttpResponseHeader(name, value)
}

// intText is where SetResponseHeaderInt writes its digits: the host copies them during
// the call, and a guest is single-threaded.
var intText [20]byte

// SetResponseHeaderInt sets a response header to n in decimal without allocating the
// text: a number per request (a rate limit's remaining count, say) otherwise costs an
// allocation each, about 0.2 µs in a Go guest.
func (r *Request) SetResponseHeaderInt(name string, n int64) error {
	b := strconv.AppendInt(intText[:0], n, 10)
	return r.SetResponseHeader(name, unsafe.String(&b[0], len(b)))
}

// AddResponseHeader adds a value to a response header.
func (r *Request) AddResponseHeader(name, value string) error {
	r.haveResp = false
	return proxywasm.AddHttpResponseHeader(name, value)
}

// DelResponseHeader removes a response header.
func (r *Request) DelResponseHeader(name string) error {
	r.haveResp = false
	return proxywasm.RemoveHttpResponseHeader(name)
}

// Exit answers the request from the plugin (see the package function Exit) and
// returns Stop, so a callback can end with `return r.Exit(...)`.
func (r *Request) Exit(status int, body any, headers ...[2]string) Action {
	Exit(status, body, headers...)
	return Stop
}

// Error answers with Kong's error body (see the package function Error) and returns
// Stop.
func (r *Request) Error(status int, msg string, headers ...[2]string) Action {
	Error(status, msg, headers...)
	return Stop
}

// first returns the first value of name in headers, compared case-insensitively.
func first(headers [][2]string, name string) string {
	for _, h := range headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}
