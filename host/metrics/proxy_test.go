package metrics

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/weir-gateway/weir/host/accesslog"
)

type fixedHealth map[string]map[string]string

func (f fixedHealth) AllHealth() map[string]map[string]string { return f }

// series renders the gathered counters, gauges and histogram counts of the named
// families as `name{k=v,...} value` lines, sorted.
func series(t *testing.T, c prometheus.Collector, names ...string) []string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		if !slices.Contains(names, mf.GetName()) {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			var v float64
			switch {
			case m.Counter != nil:
				v = m.GetCounter().GetValue()
			case m.Gauge != nil:
				v = m.GetGauge().GetValue()
			case m.Histogram != nil:
				v = float64(m.GetHistogram().GetSampleCount())
			}
			out = append(out, fmt.Sprintf("%s{%s} %g", mf.GetName(), strings.Join(labels, ","), v))
		}
	}
	sort.Strings(out)
	return out
}

func TestProxyMetrics(t *testing.T) {
	p := NewProxy(fixedHealth{"pool": {"10.0.0.1:80": "UNHEALTHY"}})
	p.Observe(&accesslog.Entry{ServiceName: "s", RouteName: "r", Status: 200, UpstreamStatus: 200, LatencyMS: 12, UpstreamLatencyMS: 10, BytesSent: 5, BytesReceived: 3})
	p.Observe(&accesslog.Entry{Status: 404, LatencyMS: 1})
	got := series(t, p, "kong_http_requests_total", "kong_upstream_target_health", "kong_upstream_latency_ms", "kong_bandwidth_bytes")
	want := []string{
		"kong_bandwidth_bytes{direction=egress,route=,service=} 0",
		"kong_bandwidth_bytes{direction=egress,route=r,service=s} 5",
		"kong_bandwidth_bytes{direction=ingress,route=,service=} 0",
		"kong_bandwidth_bytes{direction=ingress,route=r,service=s} 3",
		"kong_http_requests_total{code=200,consumer=,route=r,service=s,source=service} 1",
		"kong_http_requests_total{code=404,consumer=,route=,service=,source=kong} 1",
		"kong_upstream_latency_ms{route=r,service=s} 1",
		"kong_upstream_target_health{address=10.0.0.1:80,state=healthchecks_off,target=10.0.0.1:80,upstream=pool} 0",
		"kong_upstream_target_health{address=10.0.0.1:80,state=healthy,target=10.0.0.1:80,upstream=pool} 0",
		"kong_upstream_target_health{address=10.0.0.1:80,state=unhealthy,target=10.0.0.1:80,upstream=pool} 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
