package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/weir-gateway/weir/host/accesslog"
)

// Proxy holds the proxy's own metrics, named as Kong's Prometheus plugin names them
// (kong_http_requests_total, kong_request_latency_ms, ...) so Kong's dashboards read a
// weir node unchanged.
type Proxy struct {
	requests  *prometheus.CounterVec
	request   *prometheus.HistogramVec
	upstream  *prometheus.HistogramVec
	kong      *prometheus.HistogramVec
	bandwidth *prometheus.CounterVec
	health    TargetHealth
}

// TargetHealth lists every upstream's targets and their health, at scrape time.
type TargetHealth interface {
	AllHealth() map[string]map[string]string // upstream name -> target address -> state
}

// latencyBuckets are Kong's (ms).
var latencyBuckets = []float64{1, 2, 5, 7, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100,
	200, 300, 400, 500, 1000, 2000, 5000, 10000, 30000, 60000}

// NewProxy makes the proxy metrics; health may be nil.
func NewProxy(health TargetHealth) *Proxy {
	labels := []string{"service", "route"}
	return &Proxy{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kong_http_requests_total",
			Help: "HTTP status codes per service and route."}, []string{"service", "route", "code", "source", "consumer"}),
		request: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kong_request_latency_ms",
			Help: "Total latency of a request, ms.", Buckets: latencyBuckets}, labels),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kong_upstream_latency_ms",
			Help: "Time the upstream took to answer, ms.", Buckets: latencyBuckets}, labels),
		kong: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kong_kong_latency_ms",
			Help: "Time the gateway spent on a request, plugins included, ms.", Buckets: latencyBuckets}, labels),
		bandwidth: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kong_bandwidth_bytes",
			Help: "Bytes received (ingress) and sent (egress), per service and route."}, []string{"service", "route", "direction"}),
		health: health,
	}
}

// Observe records one finished request.
func (p *Proxy) Observe(e *accesslog.Entry) {
	source := "kong"
	if e.UpstreamStatus > 0 {
		source = "service"
	}
	p.requests.WithLabelValues(e.ServiceName, e.RouteName, strconv.Itoa(e.Status), source, e.ConsumerName).Inc()
	p.request.WithLabelValues(e.ServiceName, e.RouteName).Observe(float64(e.LatencyMS))
	if e.UpstreamStatus > 0 {
		p.upstream.WithLabelValues(e.ServiceName, e.RouteName).Observe(float64(e.UpstreamLatencyMS))
	}
	p.kong.WithLabelValues(e.ServiceName, e.RouteName).Observe(float64(e.LatencyMS - e.UpstreamLatencyMS))
	p.bandwidth.WithLabelValues(e.ServiceName, e.RouteName, "ingress").Add(float64(e.BytesReceived))
	p.bandwidth.WithLabelValues(e.ServiceName, e.RouteName, "egress").Add(float64(e.BytesSent))
}

var healthDesc = prometheus.NewDesc("kong_upstream_target_health",
	"Health of each upstream target on this node: 1 for the state it is in, 0 for the others.",
	[]string{"upstream", "target", "address", "state"}, nil)

var healthStates = []string{"healthy", "unhealthy", "healthchecks_off"}

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
	if p.health == nil {
		return
	}
	for upstream, targets := range p.health.AllHealth() {
		for addr, state := range targets {
			for _, s := range healthStates {
				v := 0.0
				if stateName(state) == s {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(healthDesc, prometheus.GaugeValue, v, upstream, addr, addr, s)
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
