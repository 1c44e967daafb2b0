// Package metrics exports the wasm host's metrics in Prometheus' format: every metric a
// plugin defines (proxy_define_metric), labelled with the plugin, and weir's own counts
// of crashed plugin instances. The Admin API listener serves them on /metrics, where
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

// CrashCounter reports how many crashed instances each plugin module had retired.
type CrashCounter interface {
	Crashes() map[string]int
}

// Handler serves /metrics for rt's guest metrics, crashes, the proxy's metrics (when
// proxy is not nil), the node's gauges (when node is not nil) and the Go runtime's own.
func Handler(rt *abi.Runtime, crashes CrashCounter, proxy *Proxy, node *Node) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&guestCollector{rt: rt, crashes: crashes},
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
	rt      *abi.Runtime
	crashes CrashCounter
}

var crashDesc = prometheus.NewDesc("weir_wasm_instance_crashes_total",
	"Plugin instances retired after a trap, a deadline or memory exhaustion.", []string{"plugin"}, nil)

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
	if c.crashes != nil {
		for plugin, n := range c.crashes.Crashes() {
			ch <- prometheus.MustNewConstMetric(crashDesc, prometheus.CounterValue, float64(n), plugin)
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
