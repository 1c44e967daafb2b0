// Package httplog is Kong 3.9's http-log plugin as a weir proxy-wasm plugin: from the
// log phase it queues each request's Kong log entry (weir.log_serialize) and sends the
// entries in batches to an HTTP endpoint with proxy_http_call, retrying failed batches,
// never holding up the proxied request.
package httplog

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is http-log's configuration (schema.json).
type config struct {
	HTTPEndpoint string            `json:"http_endpoint" validate:"required"`
	Method       string            `json:"method" default:"POST" validate:"oneof=POST|PUT|PATCH"`
	ContentType  string            `json:"content_type" default:"application/json" validate:"oneof=application/json|application/json; charset=utf-8"`
	Timeout      float64           `json:"timeout" default:"10000"`
	Keepalive    float64           `json:"keepalive" default:"60000"`
	Headers      map[string]string `json:"headers"`
	Queue        queueConfig       `json:"queue"`
	// Kong's deprecated fields: queue_size and flush_timeout still override the queue's
	// batch size and coalescing delay when set to other than their old defaults;
	// retry_count no longer does anything.
	RetryCount   *int     `json:"retry_count"`
	QueueSize    *int     `json:"queue_size"`
	FlushTimeout *float64 `json:"flush_timeout"`
	// CustomFieldsByLua is Kong's Lua hook, which weir cannot run: only an empty value
	// is accepted.
	CustomFieldsByLua map[string]string `json:"custom_fields_by_lua"`
}

// Validate implements weir.Validator: the checks Kong's schema makes in Lua.
func (c *config) Validate() error {
	if len(c.CustomFieldsByLua) > 0 {
		return errors.New("custom_fields_by_lua runs Lua code, which weir does not support")
	}
	if c.Queue.ConcurrencyLimit != 1 && c.Queue.ConcurrencyLimit != -1 {
		return errors.New("queue.concurrency_limit: expected one of: -1, 1")
	}
	for name := range c.Headers {
		switch strings.ToLower(name) {
		case "host", "content-length", "content-type":
			return fmt.Errorf("headers: cannot contain '%s' header", name)
		}
	}
	return nil
}

// endpoint is http_endpoint taken apart for proxy_http_call.
type endpoint struct {
	upstream  string // host:port
	scheme    string
	authority string // Host header: host, with the port unless it is the scheme's default
	path      string // path and query; "/" when the URL has none
	auth      string // Authorization from the URL's user info, "" without
}

// parseEndpoint reads an http(s) URL; the port defaults to the scheme's.
func parseEndpoint(raw string) (*endpoint, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	scheme = strings.ToLower(scheme)
	if !ok || scheme != "http" && scheme != "https" {
		return nil, fmt.Errorf("http_endpoint %q: expected an http or https URL", raw)
	}
	hostPart, path := rest, "/"
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		hostPart, path = rest[:i], rest[i:]
		if path[0] != '/' {
			path = "/" + path
		}
		path, _, _ = strings.Cut(path, "#")
	}
	ep := &endpoint{scheme: scheme, path: path}
	if i := strings.LastIndexByte(hostPart, '@'); i >= 0 {
		ep.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(hostPart[:i]))
		hostPart = hostPart[i+1:]
	}
	host, port := hostPart, ""
	if i := strings.LastIndexByte(hostPart, ':'); i >= 0 && !strings.HasSuffix(hostPart, "]") {
		host, port = hostPart[:i], hostPart[i+1:]
	}
	defaultPort := map[string]string{"http": "80", "https": "443"}[scheme]
	if port == "" {
		port = defaultPort
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 || host == "" {
		return nil, fmt.Errorf("http_endpoint %q: bad host or port", raw)
	}
	ep.upstream = host + ":" + port
	ep.authority = host
	if port != defaultPort {
		ep.authority = ep.upstream
	}
	return ep, nil
}

func init() {
	proxywasm.AddPluginContext("http-log", func(id uint32) types.PluginContext { return &plugin{id: id} })
}

// plugin is one http-log configuration on one instance, with its queue.
type plugin struct {
	types.DefaultPluginContext
	id      uint32
	cfg     config
	ep      *endpoint
	headers [][2]string // every header of a send but the body's
	q       queue
	// tick is the tick period asked for, 0 when none.
	tick time.Duration
}

// Kong's Queue.get_plugin_params: the legacy fields win when set to other than
// their old defaults.
func (p *plugin) legacy() {
	if s := p.cfg.QueueSize; s != nil && *s != 1 {
		p.cfg.Queue.MaxBatchSize = *s
	}
	if f := p.cfg.FlushTimeout; f != nil && *f != 2 {
		p.cfg.Queue.MaxCoalescingDelay = *f
	}
}

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	raw, err := proxywasm.GetPluginConfiguration()
	if err == nil || errors.Is(err, types.ErrorStatusNotFound) {
		p.cfg, err = weir.DecodeConfig[config](raw)
	}
	if err == nil {
		p.ep, err = parseEndpoint(p.cfg.HTTPEndpoint)
	}
	if err == nil && p.ep.auth != "" {
		for name := range p.cfg.Headers {
			if strings.EqualFold(name, "authorization") {
				err = errors.New("specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed")
			}
		}
	}
	if err != nil {
		proxywasm.LogErrorf("http-log: %v", err)
		return types.OnPluginStartStatusFailed
	}
	p.legacy()
	p.q.cfg = &p.cfg.Queue
	p.headers = [][2]string{{":method", p.cfg.Method}, {":path", p.ep.path}, {":authority", p.ep.authority},
		{":scheme", p.ep.scheme}, {"content-type", p.cfg.ContentType}}
	if p.ep.auth != "" {
		p.headers = append(p.headers, [2]string{"authorization", p.ep.auth})
	}
	for name, v := range p.cfg.Headers {
		p.headers = append(p.headers, [2]string{strings.ToLower(name), v})
	}
	return types.OnPluginStartStatusOK
}

func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &logContext{p: p} }

// logContext is one request: it only queues the request's entry when it is over.
type logContext struct {
	types.DefaultHttpContext
	p *plugin
}

func (c *logContext) OnHttpStreamDone() {
	entry, err := weir.SerializeLog()
	if err != nil {
		proxywasm.LogErrorf("http-log: serialize the request: %v", err)
		return
	}
	// what follows acts for the plugin's root context, so the sends it makes outlive
	// the request and their answers come to the root
	if err := proxywasm.SetEffectiveContext(c.p.id); err != nil {
		proxywasm.LogErrorf("http-log: %v", err)
		return
	}
	c.p.enqueue(entry)
}

// enqueue queues one entry (or sends it at once without a queue) and sends what is due.
func (p *plugin) enqueue(entry []byte) {
	now := time.Now()
	if p.cfg.Queue.ConcurrencyLimit == -1 {
		p.send(p.q.single(entry, now))
		p.schedule(now)
		return
	}
	for _, msg := range p.q.enqueue(entry, now) {
		proxywasm.LogErrorf("http-log: queue %s: %s", p.cfg.HTTPEndpoint, msg)
	}
	p.pump(now)
}

// pump sends the next batch when it is due, then asks for a tick when the queue will
// next need one.
func (p *plugin) pump(now time.Time) {
	if p.q.ready(now) {
		p.send(p.q.take(now))
	}
	p.schedule(now)
}

func (p *plugin) OnTick() {
	now := time.Now()
	for _, b := range p.q.due(now) {
		p.send(b)
	}
	p.pump(now)
}

// schedule sets the tick period to wake the root when the queue next needs it, and
// stops the ticks when nothing waits on time.
func (p *plugin) schedule(now time.Time) {
	var period time.Duration
	if at := p.q.next(); !at.IsZero() {
		period = max(at.Sub(now), time.Millisecond)
	}
	if period == p.tick {
		return
	}
	p.tick = period
	if err := proxywasm.SetTickPeriodMilliSeconds(uint32(period.Milliseconds())); err != nil {
		proxywasm.LogErrorf("http-log: set tick period: %v", err)
	}
}

// send dispatches one batch; the answer settles it.
func (p *plugin) send(b *batch) {
	headers := append(p.headers[:len(p.headers):len(p.headers)], [2]string{"content-length", strconv.Itoa(len(b.body))})
	_, err := proxywasm.DispatchHttpCall(p.ep.upstream, headers, b.body, nil, uint32(p.cfg.Timeout),
		func(numHeaders, bodySize, _ int) { p.answered(b, numHeaders, bodySize) })
	if err != nil {
		p.fail(b, fmt.Sprintf("failed request to %s: %v", p.ep.upstream, err))
	}
}

// answered settles a batch by the endpoint's answer: any status below 300 is success.
func (p *plugin) answered(b *batch, numHeaders, bodySize int) {
	now := time.Now()
	if numHeaders == 0 {
		p.fail(b, fmt.Sprintf("failed request to %s: no answer (connection failed or timed out)", p.ep.upstream))
		p.pump(now)
		return
	}
	status := 0
	if hs, err := proxywasm.GetHttpCallResponseHeaders(); err == nil {
		for _, kv := range hs {
			if kv[0] == ":status" {
				status, _ = strconv.Atoi(kv[1])
			}
		}
	}
	if status > 0 && status < 300 {
		p.q.done(b)
		p.pump(now)
		return
	}
	body, _ := proxywasm.GetHttpCallResponseBody(0, min(bodySize, 1024))
	p.fail(b, fmt.Sprintf("request to %s returned status code %d and body %s", p.ep.upstream, status, body))
	p.pump(now)
}

// fail logs a failed send and schedules its retry, or gives the batch up.
func (p *plugin) fail(b *batch, reason string) {
	proxywasm.LogWarnf("http-log: queue %s: handler could not process entries: %s", p.cfg.HTTPEndpoint, reason)
	if p.q.failed(b, time.Now()) {
		proxywasm.LogErrorf("http-log: queue %s: could not send entries due to max_retry_time exceeded. %d queue entries were lost",
			p.cfg.HTTPEndpoint, b.count)
	}
	p.schedule(time.Now())
}
