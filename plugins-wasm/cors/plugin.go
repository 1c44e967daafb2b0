// Package cors is Kong 3.9's cors plugin as a weir proxy-wasm plugin: it answers CORS
// preflight requests itself (unless told to pass them on) and adds the
// Access-Control-* headers to every other response.
package cors

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is cors's configuration (schema.json).
type config struct {
	Origins           []string `json:"origins"`
	Headers           []string `json:"headers"`
	ExposedHeaders    []string `json:"exposed_headers"`
	Methods           []string `json:"methods" default:"[\"GET\",\"HEAD\",\"PUT\",\"PATCH\",\"POST\",\"DELETE\",\"OPTIONS\",\"TRACE\",\"CONNECT\"]" validate:"oneof=GET|HEAD|PUT|PATCH|POST|DELETE|OPTIONS|TRACE|CONNECT"`
	MaxAge            *float64 `json:"max_age"`
	Credentials       bool     `json:"credentials"`
	PrivateNetwork    bool     `json:"private_network"`
	PreflightContinue bool     `json:"preflight_continue"`

	allowed []allowed // Origins compiled, in order (Configure)
	star    bool      // Origins holds "*" among other entries
}

func init() {
	weir.Register(weir.Plugin[config]{Name: "cors", Configure: configure, OnRequest: onRequest, OnResponse: onResponse})
}

func configure(c *config) error {
	for i, o := range c.Origins {
		if o == "*" {
			c.star = true
			continue
		}
		a, err := compileOrigin(o)
		if err != nil {
			return fmt.Errorf("origins.%d: '%s' is not a valid regex", i+1, o)
		}
		c.allowed = append(c.allowed, a)
	}
	return nil
}

// headerSetter writes a response header: onto the preflight answer being built, or
// onto the response passing through.
type headerSetter interface {
	set(name, value string)
	add(name, value string)
	del(name string)
}

// preflight collects the headers of the answer to a preflight request.
type preflight struct{ hs [][2]string }

func (p *preflight) set(name, value string) { p.del(name); p.hs = append(p.hs, [2]string{name, value}) }
func (p *preflight) add(name, value string) { p.hs = append(p.hs, [2]string{name, value}) }
func (p *preflight) del(name string) {
	out := p.hs[:0]
	for _, h := range p.hs {
		if h[0] != name {
			out = append(out, h)
		}
	}
	p.hs = out
}

// response changes the response headers in place.
type response struct{ r *weir.Request }

func (w response) set(name, value string) { logErr(w.r.SetResponseHeader(name, value)) }
func (w response) add(name, value string) { logErr(w.r.AddResponseHeader(name, value)) }
func (w response) del(name string)        { logErr(w.r.DelResponseHeader(name)) }

func logErr(err error) {
	if err != nil {
		proxywasm.LogErrorf("cors: %v", err)
	}
}

// skip marks (in Request.Data) a preflight whose answer needs no more headers.
type skip struct{}

func onRequest(r *weir.Request, c *config) weir.Action {
	if r.Method() != "OPTIONS" || r.Header("origin") == "" || r.Header("access-control-request-method") == "" {
		return weir.Continue
	}
	r.Data = skip{} // answered here, or left to the upstream
	if c.PreflightContinue {
		return weir.Continue
	}
	p := &preflight{}
	allowAll := setOrigin(r, c, p, false)
	setCredentials(r, c, p, allowAll, false)
	if len(c.Headers) > 0 {
		p.set("access-control-allow-headers", strings.Join(c.Headers, ","))
	} else if acrh := r.Header("access-control-request-headers"); acrh != "" {
		p.set("access-control-allow-headers", acrh)
	}
	p.set("access-control-allow-methods", strings.Join(c.Methods, ","))
	if c.MaxAge != nil {
		p.set("access-control-max-age", strconv.FormatFloat(*c.MaxAge, 'f', -1, 64))
	}
	if c.PrivateNetwork && r.Header("access-control-request-private-network") == "true" {
		p.set("access-control-allow-private-network", "true")
	}
	if err := proxywasm.SendHttpResponse(200, p.hs, nil, -1); err != nil {
		proxywasm.LogErrorf("cors: send preflight answer: %v", err)
	}
	return weir.Stop
}

func onResponse(r *weir.Request, c *config) weir.Action {
	if _, ok := r.Data.(skip); ok {
		return weir.Continue
	}
	w := response{r}
	allowAll := setOrigin(r, c, w, true)
	setCredentials(r, c, w, allowAll, true)
	if len(c.ExposedHeaders) > 0 {
		w.set("access-control-expose-headers", strings.Join(c.ExposedHeaders, ","))
	}
	return weir.Continue
}

// vary adds Vary: Origin; a preflight answer has only that one.
func vary(w headerSetter, filter bool) {
	if filter {
		w.add("vary", "Origin")
	} else {
		w.set("vary", "Origin")
	}
}

// setOrigin sets Access-Control-Allow-Origin as Kong does and reports whether every
// origin is allowed ("*").
func setOrigin(r *weir.Request, c *config, w headerSetter, filter bool) bool {
	n := len(c.Origins)
	if n == 0 || n == 1 && c.Origins[0] == "*" {
		w.set("access-control-allow-origin", "*")
		return true
	}
	vary(w, filter) // the answer depends on the Origin (caches key on it)
	if n == 1 && literalChars(c.Origins[0]) {
		w.set("access-control-allow-origin", c.Origins[0])
		return false
	}
	if reqOrigin := r.Header("origin"); reqOrigin != "" {
		if c.star {
			w.set("access-control-allow-origin", "*")
			return true
		}
		o := normalize(reqOrigin)
		for _, a := range c.allowed {
			if a.match(o) {
				w.set("access-control-allow-origin", o.domain)
				return false
			}
		}
	}
	w.del("access-control-allow-origin")
	return false
}

// setCredentials sets Access-Control-Allow-Credentials; with every origin allowed it
// echoes the request's Origin instead of "*", which browsers refuse with credentials.
func setCredentials(r *weir.Request, c *config, w headerSetter, allowAll, filter bool) {
	if !c.Credentials {
		return
	}
	if !allowAll {
		w.set("access-control-allow-credentials", "true")
		return
	}
	if reqOrigin := r.Header("origin"); reqOrigin != "" {
		vary(w, filter)
		w.set("access-control-allow-origin", reqOrigin)
		w.set("access-control-allow-credentials", "true")
	}
}
