package metrics

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
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
	families := []string{"kong_http_requests_total", "kong_upstream_target_health", "kong_upstream_latency_ms",
		"kong_request_latency_ms", "kong_kong_latency_ms", "kong_bandwidth_bytes"}
	proxied := &Request{Service: "s", Route: "r", Consumer: "alice", Status: 200, Proxied: true,
		RequestMS: 12, UpstreamMS: 10, KongMS: 2, IngressBytes: 3, EgressBytes: 5}
	local := &Request{Service: "s", Route: "r", Status: 401, RequestMS: 1, UpstreamMS: -1, KongMS: 1, IngressBytes: 3}
	all := Options{PerConsumer: true, StatusCodeMetrics: true, LatencyMetrics: true, BandwidthMetrics: true, UpstreamHealthMetrics: true}
	health := fixedHealth{"pool": {"10.0.0.1:80": "UNHEALTHY"}}
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"nothing on", Options{}, nil},
		{"status codes", Options{StatusCodeMetrics: true}, []string{
			"kong_http_requests_total{code=200,consumer=,route=r,service=s,source=service,workspace=default} 1",
			"kong_http_requests_total{code=401,consumer=,route=r,service=s,source=kong,workspace=default} 1",
		}},
		{"latencies", Options{LatencyMetrics: true}, []string{
			"kong_kong_latency_ms{route=r,service=s,workspace=default} 2",
			"kong_request_latency_ms{route=r,service=s,workspace=default} 2",
			"kong_upstream_latency_ms{route=r,service=s,workspace=default} 1",
		}},
		{"bandwidth", Options{BandwidthMetrics: true}, []string{
			"kong_bandwidth_bytes{consumer=,direction=egress,route=r,service=s,workspace=default} 5",
			"kong_bandwidth_bytes{consumer=,direction=ingress,route=r,service=s,workspace=default} 6",
		}},
		{"upstream health", Options{UpstreamHealthMetrics: true}, []string{
			"kong_upstream_target_health{address=10.0.0.1:80,state=dns_error,subsystem=http,target=10.0.0.1:80,upstream=pool} 0",
			"kong_upstream_target_health{address=10.0.0.1:80,state=healthchecks_off,subsystem=http,target=10.0.0.1:80,upstream=pool} 0",
			"kong_upstream_target_health{address=10.0.0.1:80,state=healthy,subsystem=http,target=10.0.0.1:80,upstream=pool} 0",
			"kong_upstream_target_health{address=10.0.0.1:80,state=unhealthy,subsystem=http,target=10.0.0.1:80,upstream=pool} 1",
		}},
		{"per consumer", Options{PerConsumer: true, StatusCodeMetrics: true, BandwidthMetrics: true}, []string{
			"kong_bandwidth_bytes{consumer=,direction=ingress,route=r,service=s,workspace=default} 3",
			"kong_bandwidth_bytes{consumer=alice,direction=egress,route=r,service=s,workspace=default} 5",
			"kong_bandwidth_bytes{consumer=alice,direction=ingress,route=r,service=s,workspace=default} 3",
			"kong_http_requests_total{code=200,consumer=alice,route=r,service=s,source=service,workspace=default} 1",
			"kong_http_requests_total{code=401,consumer=,route=r,service=s,source=kong,workspace=default} 1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewProxy(health)
			p.Record(proxied, tt.opts)
			p.Record(local, tt.opts)
			p.Record(&Request{Status: 404, RequestMS: 1}, tt.opts) // no route: never recorded
			got := series(t, p, families...)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	t.Run("health follows the last request", func(t *testing.T) {
		p := NewProxy(health)
		p.Record(proxied, all)
		p.Record(proxied, Options{})
		if got := series(t, p, "kong_upstream_target_health"); len(got) != 0 {
			t.Fatalf("health exported after a request without upstream_health_metrics: %v", got)
		}
	})
}
