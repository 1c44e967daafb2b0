// Package metrics exports the wasm host's metrics in Prometheus' format: every metric a
// plugin defines (proxy_define_metric), labelled with the plugin, and weir's own
// counts of running and crashed plugin instances and the time spent in each callback. The Admin API listener serves them on /metrics, where
// Kong's Prometheus plugin serves its own.
package metrics

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/weir-gateway/weir/abi"
)

// Prefix starts the name of every guest metric, keeping plugin names out of weir's own
// namespace (ngx_wasm_module prefixes them "pw:<filter>:" likewise).
const Prefix = "weir_wasm_"

// Pools reports on the instance pools of the plugin modules, by module name.
type Pools interface {
	// Crashes is how many crashed instances each module had retired.
	Crashes() map[string]int
	// Instances is how many instances each module runs now.
	Instances() map[string]int
}

// Handler serves /metrics for rt's guest metrics, crashes, the proxy's metrics (when
// proxy is not nil), the node's gauges (when node is not nil) and the Go runtime's own.
func Handler(rt *abi.Runtime, pools Pools, proxy *Proxy, node *Node) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&guestCollector{rt: rt, pools: pools},
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	if proxy != nil {
		reg.MustRegister(proxy)
	}
	if node != nil {
		reg.MustRegister(node)
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// guestCollector reads the metrics at scrape time: guests update them with atomic adds
// on the request path, and nothing is copied until someone asks.
type guestCollector struct {
	rt    *abi.Runtime
	pools Pools
}

var (
	crashDesc = prometheus.NewDesc("weir_wasm_instance_crashes_total",
		"Plugin instances retired after a trap, a deadline or memory exhaustion.", []string{"plugin"}, nil)
	instancesDesc = prometheus.NewDesc("weir_wasm_instances",
		"Plugin instances running now.", []string{"plugin"}, nil)
	callbackDesc = prometheus.NewDesc("weir_wasm_callback_duration_seconds",
		"Time plugin instances spent in each proxy-wasm callback.", []string{"plugin", "callback"}, nil)
)

// Describe sends nothing: the guest metrics are not known in advance, which makes this
// an unchecked collector.
func (c *guestCollector) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector.
func (c *guestCollector) Collect(ch chan<- prometheus.Metric) {
	c.rt.Metrics().Each(func(m *abi.Metric) {
		desc := prometheus.NewDesc(Name(m.Name), "Defined by the plugin "+m.VMID+".", []string{"plugin"}, nil)
		switch m.Type {
		case abi.MetricCounter:
			ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(m.Value()), m.VMID)
		case abi.MetricGauge:
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(m.Value()), m.VMID)
		case abi.MetricHistogram:
			cum, sum, count := m.Histogram()
			buckets := make(map[float64]uint64, len(cum))
			for i, b := range abi.HistogramBounds {
				buckets[b] = cum[i]
			}
			ch <- prometheus.MustNewConstHistogram(desc, count, sum, buckets, m.VMID)
		}
	})
	c.rt.EachCallbackStats(func(s *abi.CallbackStats) {
		cum, sum, count := s.Histogram()
		buckets := make(map[float64]uint64, len(cum))
		for i, b := range abi.CallbackBounds {
			buckets[b] = cum[i]
		}
		ch <- prometheus.MustNewConstHistogram(callbackDesc, count, sum, buckets, s.Plugin, s.Callback)
	})
	if c.pools != nil {
		for plugin, n := range c.pools.Crashes() {
			ch <- prometheus.MustNewConstMetric(crashDesc, prometheus.CounterValue, float64(n), plugin)
		}
		for plugin, n := range c.pools.Instances() {
			ch <- prometheus.MustNewConstMetric(instancesDesc, prometheus.GaugeValue, float64(n), plugin)
		}
	}
}

// Name turns a guest's metric name into a Prometheus one: the prefix, then the name
// with every character Prometheus does not allow replaced by '_'.
func Name(guest string) string {
	var b strings.Builder
	b.WriteString(Prefix)
	for _, r := range guest {
		if r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
