// Package ratelimiting is Kong 3.9's rate-limiting plugin as a weir proxy-wasm plugin:
// it counts requests in fixed calendar windows (second to year) per consumer,
// credential, client IP, service, header value or path, and refuses those over a limit
// with 429 (error_code) and Kong's headers.
//
// Counting is exact: each request adds one to the counter of every configured window
// and is judged on the value that increment returned, so concurrent requests never
// share a count. The counters live in this node's shared data (policy local, a
// compare-and-swap loop per counter), in the gateway's database (cluster) or in Redis
// (redis), the last two through the weir.ratelimit_increment host function. A request
// refused counts too, as with Kong's redis policy.
package ratelimiting

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// emptyUUID stands for a missing route or service in a counter's key, as in Kong.
const emptyUUID = "00000000-0000-0000-0000-000000000000"

// config is rate-limiting's configuration (schema.json). RouteID and ServiceID are the
// plugin's own scope, which the gateway adds as Kong's plugin iterator does.
type config struct {
	Second            *float64        `json:"second"`
	Minute            *float64        `json:"minute"`
	Hour              *float64        `json:"hour"`
	Day               *float64        `json:"day"`
	Month             *float64        `json:"month"`
	Year              *float64        `json:"year"`
	LimitBy           string          `json:"limit_by" default:"consumer" validate:"oneof=consumer|credential|ip|service|header|path"`
	HeaderName        string          `json:"header_name"`
	Path              string          `json:"path"`
	Policy            string          `json:"policy" default:"local" validate:"oneof=local|cluster|redis"`
	FaultTolerant     bool            `json:"fault_tolerant" default:"true"`
	Redis             json.RawMessage `json:"redis"`
	HideClientHeaders bool            `json:"hide_client_headers"`
	ErrorCode         float64         `json:"error_code" default:"429"`
	ErrorMessage      string          `json:"error_message" default:"API rate limit exceeded"`
	SyncRate          float64         `json:"sync_rate" default:"-1"`
	RouteID           string          `json:"route_id"`
	ServiceID         string          `json:"service_id"`

	limits [6]*float64
	// scope is the start of every counter key, "<route id>:<service id>:": the same for
	// every request under this config, so it is built once, as are the limits' texts.
	scope      string
	limitTexts [6]string
}

// Validate applies Kong's entity checks, for a config that did not come through the
// Admin API.
func (c *config) Validate() error {
	c.limits = [6]*float64{c.Second, c.Minute, c.Hour, c.Day, c.Month, c.Year}
	some := false
	for _, l := range c.limits {
		some = some || l != nil
	}
	switch {
	case !some:
		return errors.New("at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'")
	case c.LimitBy == "header" && c.HeaderName == "":
		return errors.New("header_name: required field missing")
	case c.LimitBy == "path" && c.Path == "":
		return errors.New("path: required field missing")
	}
	if msg := periodOrder(c.limits); msg != "" {
		return errors.New(msg)
	}
	if c.Policy != "redis" {
		c.Redis = nil // every root context keeps its config: no bytes it will not use
	}
	c.scope = or(c.RouteID, emptyUUID) + ":" + or(c.ServiceID, emptyUUID) + ":"
	for i, l := range c.limits {
		if l != nil {
			c.limitTexts[i] = num(*l)
		}
	}
	return nil
}

func init() {
	weir.Register(weir.Plugin[config]{Name: "rate-limiting", OnRequest: onRequest})
}

func onRequest(r *weir.Request, c *config) weir.Action {
	now := time.Now()
	var each [len(periods)]usage
	us := each[:0]
	for i, l := range c.limits {
		if l != nil {
			us = append(us, usage{period: i, limit: *l, limitText: c.limitTexts[i]})
		}
	}
	if err := count(c, identifier(r, c), now, us); err != nil {
		proxywasm.LogErrorf("rate-limiting: failed to get usage: %v", err)
		if !c.FaultTolerant {
			return r.Error(500, "An unexpected error occurred")
		}
		return weir.Continue
	}
	var headers headerSet
	refuse, reset := verdict(now, us, &headers)
	if c.HideClientHeaders {
		headers = headerSet{}
	}
	if refuse {
		if !c.HideClientHeaders {
			headers.addNumber("Retry-After", float64(reset))
		}
		return r.Error(int(c.ErrorCode), c.ErrorMessage, headers.list()...)
	}
	// Set now, they go out with the response (as Kong's handler sets them in its
	// access phase): the plugin needs no response callback.
	respHeaders.Reset()
	for _, h := range headers.kv[:headers.n] {
		if h.isNum {
			respHeaders.SetInt(h.name, h.num)
		} else {
			respHeaders.Set(h.name, h.text)
		}
	}
	if err := r.SetResponseHeaders(&respHeaders); err != nil {
		proxywasm.LogErrorf("rate-limiting: set the response headers: %v", err)
	}
	return weir.Continue
}

// respHeaders is reused by every request's onRequest (a guest is single-threaded).
var respHeaders weir.HeaderValues

// identifier is what the counters count by, as Kong's get_identifier finds it; what
// cannot be found falls back to the client's (forwarded) address.
func identifier(r *weir.Request, c *config) string {
	var id string
	found := false
	switch c.LimitBy {
	case "service":
		id = weir.ServiceID()
		found = id != ""
	case "consumer":
		if consumerID, ok := weir.AuthenticatedConsumerID(); ok {
			id, found = consumerID, true
		} else {
			id, found = weir.Property("weir.credential_id")
			found = found && id != ""
		}
	case "credential":
		id, found = weir.Property("weir.credential_id")
		found = found && id != ""
	case "header":
		if r.HeaderArg(c.HeaderName).Kind != weir.ArgAbsent {
			id, found = r.Header(c.HeaderName), true
		}
	case "path":
		if p := r.Path(); p == c.Path {
			id, found = p, true
		}
	}
	if !found {
		return weir.ForwardedIP()
	}
	return id
}

// count adds one to every window's counter where the policy keeps them, and records
// each counter's new value in us.
func count(c *config, id string, now time.Time, us []usage) error {
	if c.Policy == "cluster" || c.Policy == "redis" {
		keys := make([]weir.RateLimitKey, len(us))
		for i, u := range us {
			p := periods[u.period].name
			keys[i] = weir.RateLimitKey{Key: c.scope + id, Period: p, Start: windowStart(p, now)}
		}
		counts, err := weir.RateLimitIncrement(keys, c.Redis) // Redis is nil unless the policy is redis
		if err != nil {
			return err
		}
		for i := range us {
			us[i].count = counts[i]
		}
		return nil
	}
	for i, u := range us {
		p := periods[u.period].name
		n, err := addLocal(weir.NewCounter(localKey(c.scope, id, p, windowStart(p, now))))
		if err != nil {
			return err
		}
		us[i].count = n
	}
	return nil
}

// contentionRounds bounds the rounds of Counter.Add (each its own bounded CAS loop) a
// hot counter gets before the request is treated as a counter failure: a count given
// up would let a request through uncounted.
const contentionRounds = 16

func addLocal(c weir.Counter) (int64, error) {
	for round := 1; ; round++ {
		n, err := c.Add(1)
		if !errors.Is(err, weir.ErrContention) || round == contentionRounds {
			return n, err
		}
	}
}

// keyBuf is where localKey builds a key: the guest is single-threaded.
var keyBuf []byte

// localKey is Kong's: ratelimit:<route>:<service>:<identifier>:<window start ms>:<period>,
// scope being "<route>:<service>:"; one allocation.
func localKey(scope, id, period string, start int64) string {
	b := append(append(append(keyBuf[:0], "ratelimit:"...), scope...), id...)
	b = append(strconv.AppendInt(append(b, ':'), start*1000, 10), ':')
	keyBuf = append(b, period...)
	return string(keyBuf)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
