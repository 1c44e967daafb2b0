package main_test

import (
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestPluginPrometheus: Kong's per-request families record exactly the requests the
// prometheus plugin runs on, each family only when its switch is on, with Kong's labels
// (service name, route name or id, workspace, consumer only with per_consumer); without
// the plugin they stay empty, and kong_upstream_target_health follows the last request's
// upstream_health_metrics.
func TestPluginPrometheus(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startNode(t, bin, filepath.Join(t.TempDir(), "prefix"))
	admin, proxy := "http://"+n.admin, "http://"+n.proxy

	expectStatus(t, "service s1", form(t, admin+"/services", "name=s1", "url=http://"+echoAddr), 201)
	expectStatus(t, "service s2", form(t, admin+"/services", "name=s2", "url=http://"+echoAddr), 201)
	// a service without a name is labelled with its host
	expectStatus(t, "service s3", form(t, admin+"/services", "url=http://127.0.0.1:"+strings.Split(echoAddr, ":")[1]), 201)
	routes := map[string]string{"off": "s1", "status": "s1", "latency": "s1", "bandwidth": "s1", "auth": "s1",
		"auth-nopc": "s1", "none": "s1", "svc2": "s2"}
	for name, svc := range routes {
		expectStatus(t, "route "+name, form(t, admin+"/services/"+svc+"/routes", "name="+name, "paths[]=/"+name), 201)
	}
	unnamed := postJSON(t, admin+"/routes", `{"paths":["/unnamed"],"service":{"id":"`+serviceID(t, admin, "s1")+`"}}`)
	expectStatus(t, "unnamed route", unnamed, 201)
	unnamedID := unnamed.json(t)["id"].(string)

	plugin := func(where, config string) {
		t.Helper()
		expectStatus(t, "prometheus on "+where, postJSON(t, admin+"/"+where+"/plugins", `{"name":"prometheus","config":`+config+`}`), 201)
	}
	plugin("routes/off", `{}`)
	plugin("routes/status", `{"status_code_metrics":true}`)
	plugin("routes/latency", `{"latency_metrics":true}`)
	plugin("routes/bandwidth", `{"bandwidth_metrics":true}`)
	plugin("routes/auth", `{"status_code_metrics":true,"bandwidth_metrics":true,"per_consumer":true}`)
	plugin("routes/auth-nopc", `{"status_code_metrics":true,"bandwidth_metrics":true}`)
	plugin("services/s2", `{"status_code_metrics":true}`)
	plugin("routes/"+unnamedID, `{"status_code_metrics":true,"latency_metrics":true}`)
	for _, r := range []string{"auth", "auth-nopc"} {
		expectStatus(t, "key-auth on "+r, form(t, admin+"/routes/"+r+"/plugins", "name=key-auth"), 201)
	}
	expectStatus(t, "consumer", form(t, admin+"/consumers", "username=alice"), 201)
	expectStatus(t, "key", form(t, admin+"/consumers/alice/key-auth", "key=secret"), 201)

	get := func(path string, header map[string]string, want int) {
		t.Helper()
		expectStatus(t, "GET "+path, do(t, "GET", proxy+path, nil, header), want)
	}
	for _, r := range []string{"off", "status", "latency", "bandwidth", "none", "svc2", "unnamed"} {
		get("/"+r, nil, 200)
		get("/"+r, nil, 200)
	}
	key := map[string]string{"apikey": "secret"}
	for _, r := range []string{"auth", "auth-nopc"} {
		get("/"+r, key, 200)
		get("/"+r, nil, 401)
	}
	body := scrape(t, admin)

	tests := []struct {
		route string
		want  []string // every sample of the per-request families labelled with the route
	}{
		{"off", nil},
		{"none", nil},
		{"status", []string{
			`kong_http_requests_total{code="200",consumer="",route="status",service="s1",source="service",workspace="default"} 2`}},
		{"latency", []string{
			`kong_kong_latency_ms_count{route="latency",service="s1",workspace="default"} 2`,
			`kong_request_latency_ms_count{route="latency",service="s1",workspace="default"} 2`,
			`kong_upstream_latency_ms_count{route="latency",service="s1",workspace="default"} 2`}},
		{"bandwidth", []string{
			`kong_bandwidth_bytes{consumer="",direction="egress",route="bandwidth",service="s1",workspace="default"} N`,
			`kong_bandwidth_bytes{consumer="",direction="ingress",route="bandwidth",service="s1",workspace="default"} N`}},
		{"auth", []string{
			`kong_bandwidth_bytes{consumer="",direction="egress",route="auth",service="s1",workspace="default"} N`,
			`kong_bandwidth_bytes{consumer="",direction="ingress",route="auth",service="s1",workspace="default"} N`,
			`kong_bandwidth_bytes{consumer="alice",direction="egress",route="auth",service="s1",workspace="default"} N`,
			`kong_bandwidth_bytes{consumer="alice",direction="ingress",route="auth",service="s1",workspace="default"} N`,
			`kong_http_requests_total{code="200",consumer="alice",route="auth",service="s1",source="service",workspace="default"} 1`,
			`kong_http_requests_total{code="401",consumer="",route="auth",service="s1",source="kong",workspace="default"} 1`}},
		{"auth-nopc", []string{
			`kong_bandwidth_bytes{consumer="",direction="egress",route="auth-nopc",service="s1",workspace="default"} N`,
			`kong_bandwidth_bytes{consumer="",direction="ingress",route="auth-nopc",service="s1",workspace="default"} N`,
			`kong_http_requests_total{code="200",consumer="",route="auth-nopc",service="s1",source="service",workspace="default"} 1`,
			`kong_http_requests_total{code="401",consumer="",route="auth-nopc",service="s1",source="kong",workspace="default"} 1`}},
		{"svc2", []string{
			`kong_http_requests_total{code="200",consumer="",route="svc2",service="s2",source="service",workspace="default"} 2`}},
		{unnamedID, []string{
			`kong_http_requests_total{code="200",consumer="",route="` + unnamedID + `",service="s1",source="service",workspace="default"} 2`,
			`kong_kong_latency_ms_count{route="` + unnamedID + `",service="s1",workspace="default"} 2`,
			`kong_request_latency_ms_count{route="` + unnamedID + `",service="s1",workspace="default"} 2`,
			`kong_upstream_latency_ms_count{route="` + unnamedID + `",service="s1",workspace="default"} 2`}},
	}
	for _, tt := range tests {
		t.Run("route "+tt.route, func(t *testing.T) {
			got := routeSamples(body, tt.route)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("samples for route %s:\n%s\nwant\n%s", tt.route, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}

	t.Run("service without a name is labelled with its host", func(t *testing.T) {
		r := postJSON(t, admin+"/routes", `{"name":"hostsvc","paths":["/hostsvc"],"service":{"id":"`+serviceIDByHost(t, admin, "127.0.0.1")+`"}}`)
		expectStatus(t, "route on the unnamed service", r, 201)
		plugin("routes/hostsvc", `{"status_code_metrics":true}`)
		get("/hostsvc", nil, 200)
		want := `kong_http_requests_total{code="200",consumer="",route="hostsvc",service="127.0.0.1",source="service",workspace="default"} 1`
		if got := routeSamples(scrape(t, admin), "hostsvc"); strings.Join(got, "\n") != want {
			t.Fatalf("got %v, want %s", got, want)
		}
	})

	t.Run("upstream health follows the last request", func(t *testing.T) {
		expectStatus(t, "upstream", form(t, admin+"/upstreams", "name=pool"), 201)
		expectStatus(t, "target", form(t, admin+"/upstreams/pool/targets", "target="+echoAddr), 201)
		expectStatus(t, "pool service", form(t, admin+"/services", "name=pooled", "host=pool"), 201)
		expectStatus(t, "health route", form(t, admin+"/services/pooled/routes", "name=health", "paths[]=/health"), 201)
		plugin("routes/health", `{"upstream_health_metrics":true}`)
		if strings.Contains(scrape(t, admin), "kong_upstream_target_health{") {
			t.Fatal("target health exported before any request asked for it")
		}
		get("/health", nil, 200)
		want := `kong_upstream_target_health{address="` + echoAddr + `",state="healthchecks_off",subsystem="http",target="` + echoAddr + `",upstream="pool"} 1`
		if b := scrape(t, admin); !strings.Contains(b, want) {
			t.Fatalf("/metrics lacks %s:\n%s", want, grepLines(b, "kong_upstream_target_health"))
		}
		get("/status", nil, 200) // a prometheus plugin without upstream_health_metrics
		if b := scrape(t, admin); strings.Contains(b, "kong_upstream_target_health{") {
			t.Fatalf("target health still exported:\n%s", grepLines(b, "kong_upstream_target_health"))
		}
	})

	t.Run("node metrics stay on", func(t *testing.T) {
		b := scrape(t, admin)
		for _, want := range []string{"# TYPE go_goroutines gauge", "# TYPE process_resident_memory_bytes gauge",
			"\nkong_datastore_reachable 1\n", `kong_node_info{node_id="`} {
			if !strings.Contains(b, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}

var perRequestFamily = regexp.MustCompile(`^kong_(http_requests_total|bandwidth_bytes|(request|upstream|kong)_latency_ms_count)\{`)

// routeSamples lists the per-request families' samples labelled route="<route>", sorted,
// with byte counts (which depend on header sizes) replaced by N.
func routeSamples(body, route string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if !perRequestFamily.MatchString(line) || !strings.Contains(line, `route="`+route+`"`) {
			continue
		}
		if strings.HasPrefix(line, "kong_bandwidth_bytes{") {
			if v := sample(body, line[:strings.LastIndexByte(line, ' ')]); v > 0 {
				line = line[:strings.LastIndexByte(line, ' ')] + " N"
			}
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

func scrape(t *testing.T, admin string) string {
	t.Helper()
	r := do(t, "GET", admin+"/metrics", nil, nil)
	expectStatus(t, "/metrics", r, 200)
	return string(r.body)
}

func grepLines(body, substr string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// serviceID is the id of the service with that name.
func serviceID(t *testing.T, admin, name string) string {
	t.Helper()
	r := do(t, "GET", admin+"/services/"+name, nil, nil)
	expectStatus(t, "GET service "+name, r, 200)
	return r.json(t)["id"].(string)
}

// serviceIDByHost finds the id of the service without a name whose host is host.
func serviceIDByHost(t *testing.T, admin, host string) string {
	t.Helper()
	r := do(t, "GET", admin+"/services", nil, nil)
	expectStatus(t, "list services", r, 200)
	for _, s := range r.json(t)["data"].([]any) {
		m := s.(map[string]any)
		if m["host"] == host && m["name"] == nil {
			return m["id"].(string)
		}
	}
	t.Fatalf("no unnamed service with host %s: %s", host, r.body)
	return ""
}
