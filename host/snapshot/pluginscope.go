package snapshot

import (
	"encoding/json"

	"github.com/weir-gateway/weir/store"
)

// scopedPlugins are the built-ins whose configuration carries the plugin's own scope,
// as Kong's plugin iterator adds conf.route_id and conf.service_id to every config:
// rate-limiting keys its counters by the route and service the plugin is enabled on
// (nothing for a global plugin), not by those of the request.
var scopedPlugins = map[string]bool{"rate-limiting": true}

// rootConfig is the configuration a plugin's root context gets.
func rootConfig(e *store.Plugin) json.RawMessage {
	if !scopedPlugins[e.Name] {
		return e.Config
	}
	var cfg map[string]any
	if err := json.Unmarshal(e.Config, &cfg); err != nil || cfg == nil {
		return e.Config
	}
	cfg["route_id"], cfg["service_id"] = refID(e.Route), refID(e.Service)
	out, err := json.Marshal(cfg)
	if err != nil {
		return e.Config
	}
	return out
}
