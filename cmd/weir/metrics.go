package main

import "net/http"

// withMetrics serves GET /metrics (Prometheus' text format: the plugins' metrics and
// weir's wasm counters) on the Admin API listener, where Kong's Prometheus plugin
// exposes its own, and everything else with admin.
func withMetrics(admin, metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			metrics.ServeHTTP(w, r)
			return
		}
		admin.ServeHTTP(w, r)
	})
}
