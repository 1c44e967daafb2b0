// Package prometheus is Kong 3.9's prometheus plugin as a weir proxy-wasm plugin. The
// metrics live in the gateway (served on the Admin API's /metrics); the plugin decides,
// per request it runs on, which of Kong's per-request families record it: from its log
// phase it hands its switches to the gateway, which records the finished request.
package prometheus

import (
	"encoding/json"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is prometheus's configuration (schema.json); every switch is off by default,
// as in Kong.
type config struct {
	PerConsumer           bool `json:"per_consumer"`
	StatusCodeMetrics     bool `json:"status_code_metrics"`
	AIMetrics             bool `json:"ai_metrics"`
	LatencyMetrics        bool `json:"latency_metrics"`
	BandwidthMetrics      bool `json:"bandwidth_metrics"`
	UpstreamHealthMetrics bool `json:"upstream_health_metrics"`

	// args is the encoded call, made once per configuration.
	args []byte
}

// fnObserve records the calling request with the given switches.
const fnObserve = "weir.prometheus_observe"

func init() {
	weir.Register(weir.Plugin[config]{Name: "prometheus", Configure: configure, OnLog: onLog})
}

func configure(c *config) error {
	var err error
	c.args, err = json.Marshal(map[string]bool{
		"per_consumer":            c.PerConsumer,
		"status_code_metrics":     c.StatusCodeMetrics,
		"latency_metrics":         c.LatencyMetrics,
		"bandwidth_metrics":       c.BandwidthMetrics,
		"upstream_health_metrics": c.UpstreamHealthMetrics,
	})
	return err
}

func onLog(_ *weir.Request, c *config) {
	if _, err := proxywasm.CallForeignFunction(fnObserve, c.args); err != nil {
		proxywasm.LogErrorf("prometheus: record request: %v", err)
	}
}
