package main_test

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPluginMetricsOnAdminListener: metrics a plugin defines (testdata/wat/services.wat)
// show on the Admin API's /metrics, labelled with the plugin, summed over its
// instances; so do weir's own per plugin: running instances, time in each callback,
// and a hostile plugin's crashes; for built-ins too, which share one module.
func TestPluginMetricsOnAdminListener(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startSandboxNode(t, bin)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	fixtures := filepath.Join(repoRoot(t), "testdata/wat")
	expectStatus(t, "upload services", uploadModule(t, admin, "services", filepath.Join(fixtures, "services.wasm")), 201)
	expectStatus(t, "upload hostile", uploadModule(t, admin, "hostile", filepath.Join(fixtures, "hostile.wasm")), 201)
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url=http://"+echoAddr+"/"), 201)
	expectStatus(t, "route m", form(t, admin+"/services/s/routes", "paths[]=/m", "name=m"), 201)
	expectStatus(t, "route trap", form(t, admin+"/services/s/routes", "paths[]=/trap", "name=trap"), 201)
	expectStatus(t, "plugin services", postJSON(t, admin+"/routes/m/plugins", `{"name":"services","config":{}}`), 201)
	expectStatus(t, "plugin hostile", postJSON(t, admin+"/routes/trap/plugins", `{"name":"hostile","config":{"do":"h"}}`), 201)
	for i := 0; i < 3; i++ {
		expectStatus(t, "metered request", do(t, "GET", proxy+"/m", nil, nil), 200)
	}
	expectStatus(t, "trapping request", do(t, "GET", proxy+"/trap", nil, nil), 500)

	r := do(t, "GET", admin+"/metrics", nil, nil)
	expectStatus(t, "/metrics", r, 200)
	body := string(r.body)
	for name, want := range map[string]float64{
		`weir_wasm_requests{plugin="services"}`:              3,
		`weir_wasm_level{plugin="services"}`:                 42,
		`weir_wasm_sizes_count{plugin="services"}`:           3,
		`weir_wasm_sizes_bucket{plugin="services",le="16"}`:  3,
		`weir_wasm_instance_crashes_total{plugin="hostile"}`: 1,
		// each of the 3 requests called the plugin's request-headers callback once
		`weir_wasm_callback_duration_seconds_count{callback="proxy_on_request_headers",plugin="services"}`: 3,
	} {
		if got := sample(body, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if n := sample(body, `weir_wasm_instances{plugin="services"}`); n < 1 {
		t.Errorf("weir_wasm_instances for services = %v, want at least 1", n)
	}
	if s := sample(body, `weir_wasm_callback_duration_seconds_sum{callback="proxy_on_request_headers",plugin="services"}`); s <= 0 || s > 1 {
		t.Errorf("time in proxy_on_request_headers = %v s for 3 calls", s)
	}
	if !strings.Contains(body, "# TYPE weir_wasm_requests counter") || !strings.Contains(body, "# TYPE weir_wasm_sizes histogram") {
		t.Errorf("metric types missing:\n%s", body)
	}
	// Kong's per-request families belong to the prometheus plugin: none is enabled here
	for _, family := range []string{"kong_http_requests_total{", "kong_request_latency_ms_", "kong_upstream_latency_ms_",
		"kong_kong_latency_ms_", "kong_bandwidth_bytes{", "kong_upstream_target_health{"} {
		if strings.Contains(body, family) {
			t.Errorf("%s recorded without the prometheus plugin:\n%s", family, body)
		}
	}

	// with the plugin, on the route only
	expectStatus(t, "plugin prometheus", postJSON(t, admin+"/routes/m/plugins",
		`{"name":"prometheus","config":{"status_code_metrics":true,"latency_metrics":true,"bandwidth_metrics":true}}`), 201)
	expectStatus(t, "metered request", do(t, "GET", proxy+"/m", nil, nil), 200)
	expectStatus(t, "trapping request", do(t, "GET", proxy+"/trap", nil, nil), 500)
	body = string(do(t, "GET", admin+"/metrics", nil, nil).body)
	for name, want := range map[string]float64{
		`kong_http_requests_total{code="200",consumer="",route="m",service="s",source="service",workspace="default"}`: 1,
		`kong_request_latency_ms_count{route="m",service="s",workspace="default"}`:                                    1,
		`kong_upstream_latency_ms_count{route="m",service="s",workspace="default"}`:                                   1,
		`kong_kong_latency_ms_count{route="m",service="s",workspace="default"}`:                                       1,
	} {
		if got := sample(body, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if sample(body, `kong_bandwidth_bytes{consumer="",direction="egress",route="m",service="s",workspace="default"}`) <= 0 {
		t.Errorf("no egress bytes for route m:\n%s", body)
	}
	if strings.Contains(body, `route="trap"`) {
		t.Errorf("route trap, without the prometheus plugin, was recorded:\n%s", body)
	}
	// built-ins share one module, yet weir's own metrics name the plugin
	if n := sample(body, `weir_wasm_instances{plugin="prometheus"}`); n < 1 {
		t.Errorf("weir_wasm_instances for prometheus = %v, want at least 1", n)
	}
	if n := sample(body, `weir_wasm_callback_duration_seconds_count{callback="proxy_on_log",plugin="prometheus"}`); n != 1 {
		t.Errorf("prometheus's proxy_on_log calls = %v, want 1", n)
	}
}

// sample reads one sample's value from Prometheus' text format, or -1.
func sample(body, name string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return -1
	}
	return v
}
