package metrics

import (
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Proxy holds the per-request metrics of Kong's Prometheus plugin, named as Kong names
// them (kong_http_requests_total, kong_request_latency_ms, ...) so Kong's dashboards
// read a weir node unchanged. As in Kong they are recorded only for the requests the
// prometheus plugin runs on, each family only when that plugin's config asks for it
// (Record); kong_upstream_target_health is exported while the last request the plugin
// recorded had upstream_health_metrics on.
type Proxy struct {
	requests  *prometheus.CounterVec
	request   *prometheus.HistogramVec
	upstream  *prometheus.HistogramVec
	kong      *prometheus.HistogramVec
	bandwidth *prometheus.CounterVec
	health    TargetHealth
	// exportHealth follows the upstream_health_metrics of the last recorded request,
	// as Kong's exporter flag does.
	exportHealth atomic.Bool
}

// TargetHealth lists every upstream's targets and their health, at scrape time.
type TargetHealth interface {
	AllHealth() map[string]map[string]string // upstream name -> target address -> state
}

// Kong's histogram buckets (ms): one set for the gateway's own latency, one for the
// upstream's and the whole request's.
var (
	kongLatencyBuckets     = []float64{1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000, 3000, 6000}
	upstreamLatencyBuckets = []float64{25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000}
)

// Workspace is the workspace label of every per-request series: weir has Kong's
// default workspace only.
const Workspace = "default"

// NewProxy makes the proxy metrics; health may be nil.
func NewProxy(health TargetHealth) *Proxy {
	labels := []string{"service", "route", "workspace"}
	return &Proxy{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kong_http_requests_total",
			Help: "HTTP status codes per consumer/service/route in Kong"},
			[]string{"service", "route", "code", "source", "workspace", "consumer"}),
		request: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kong_request_latency_ms",
			Help: "Total latency incurred during requests for each service/route in Kong", Buckets: upstreamLatencyBuckets}, labels),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kong_upstream_latency_ms",
			Help: "Latency added by upstream response for each service/route in Kong", Buckets: upstreamLatencyBuckets}, labels),
		kong: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kong_kong_latency_ms",
			Help: "Latency added by Kong and enabled plugins for each service/route in Kong", Buckets: kongLatencyBuckets}, labels),
		bandwidth: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kong_bandwidth_bytes",
			Help: "Total bandwidth (ingress/egress) throughput in bytes"},
			[]string{"service", "route", "direction", "workspace", "consumer"}),
		health: health,
	}
}

// Options are the prometheus plugin's switches for one request (its config).
type Options struct {
	PerConsumer           bool `json:"per_consumer"`
	StatusCodeMetrics     bool `json:"status_code_metrics"`
	LatencyMetrics        bool `json:"latency_metrics"`
	BandwidthMetrics      bool `json:"bandwidth_metrics"`
	UpstreamHealthMetrics bool `json:"upstream_health_metrics"`
}

// Request is what one finished request contributes, as Kong's serializer describes it.
type Request struct {
	// Service is the service's name (its host when it has none), Route the route's
	// name (its id); a request without a route is not recorded.
	Service, Route string
	// Consumer is the authenticated consumer's username, "" for none.
	Consumer string
	Status   int
	// Proxied says the upstream answered (source "service"; "kong" otherwise).
	Proxied bool
	// RequestMS is the whole request; UpstreamMS the upstream's part, negative when the
	// upstream was not called; KongMS the gateway's part.
	RequestMS, UpstreamMS, KongMS int64
	// IngressBytes and EgressBytes are the request and response as sent, headers
	// included.
	IngressBytes, EgressBytes int64
}

// Record records one request with the options of the prometheus plugin that ran on it,
// as Kong's exporter does from its log phase.
func (p *Proxy) Record(r *Request, o Options) {
	p.exportHealth.Store(o.UpstreamHealthMetrics)
	if r.Route == "" {
		return
	}
	consumer := ""
	if o.PerConsumer {
		consumer = r.Consumer
	}
	if o.BandwidthMetrics {
		if r.IngressBytes > 0 {
			p.bandwidth.WithLabelValues(r.Service, r.Route, "ingress", Workspace, consumer).Add(float64(r.IngressBytes))
		}
		if r.EgressBytes > 0 {
			p.bandwidth.WithLabelValues(r.Service, r.Route, "egress", Workspace, consumer).Add(float64(r.EgressBytes))
		}
	}
	if o.StatusCodeMetrics {
		source := "kong"
		if r.Proxied {
			source = "service"
		}
		p.requests.WithLabelValues(r.Service, r.Route, strconv.Itoa(r.Status), source, Workspace, consumer).Inc()
	}
	if o.LatencyMetrics {
		if r.RequestMS >= 0 {
			p.request.WithLabelValues(r.Service, r.Route, Workspace).Observe(float64(r.RequestMS))
		}
		if r.UpstreamMS >= 0 {
			p.upstream.WithLabelValues(r.Service, r.Route, Workspace).Observe(float64(r.UpstreamMS))
		}
		if r.KongMS >= 0 {
			p.kong.WithLabelValues(r.Service, r.Route, Workspace).Observe(float64(r.KongMS))
		}
	}
}

var healthDesc = prometheus.NewDesc("kong_upstream_target_health",
	"Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.",
	[]string{"upstream", "target", "address", "state", "subsystem"}, nil)

var healthStates = []string{"healthchecks_off", "healthy", "unhealthy", "dns_error"}

// Describe implements prometheus.Collector.
func (p *Proxy) Describe(ch chan<- *prometheus.Desc) {
	p.requests.Describe(ch)
	p.request.Describe(ch)
	p.upstream.Describe(ch)
	p.kong.Describe(ch)
	p.bandwidth.Describe(ch)
	ch <- healthDesc
}

// Collect implements prometheus.Collector.
func (p *Proxy) Collect(ch chan<- prometheus.Metric) {
	p.requests.Collect(ch)
	p.request.Collect(ch)
	p.upstream.Collect(ch)
	p.kong.Collect(ch)
	p.bandwidth.Collect(ch)
	if p.health == nil || !p.exportHealth.Load() {
		return
	}
	for upstream, targets := range p.health.AllHealth() {
		for addr, state := range targets {
			for _, s := range healthStates {
				v := 0.0
				if stateName(state) == s {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(healthDesc, prometheus.GaugeValue, v, upstream, addr, addr, s, "http")
			}
		}
	}
}

func stateName(s string) string {
	switch s {
	case "HEALTHY":
		return "healthy"
	case "UNHEALTHY":
		return "unhealthy"
	}
	return "healthchecks_off"
}
