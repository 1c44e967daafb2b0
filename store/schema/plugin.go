package schema

import (
	"encoding/json"
	"fmt"
)

// DefaultProtocols are the protocols a plugin runs on when its schema names none.
var DefaultProtocols = []string{"grpc", "grpcs", "http", "https"}

// Plugin is a plugin's schema.json: who it is, where it may be enabled, and its config.
type Plugin struct {
	Name       string   `json:"name"`
	Version    string   `json:"version"`
	Priority   int      `json:"priority"`
	NoConsumer bool     `json:"no_consumer"`
	NoRoute    bool     `json:"no_route"`
	NoService  bool     `json:"no_service"`
	Protocols  []string `json:"protocols"`
	Config     *Field   `json:"config"`
	// EntityChecks are rules across config fields, in Kong's entity_checks format (see
	// store's pluginchecks.go for the kinds weir runs).
	EntityChecks json.RawMessage `json:"entity_checks,omitempty"`
}

// ParsePlugin reads a plugin's schema.json.
func ParsePlugin(raw []byte) (*Plugin, error) {
	p := new(Plugin)
	if err := json.Unmarshal(raw, p); err != nil {
		return nil, fmt.Errorf("parse plugin schema: %w", err)
	}
	if p.Name == "" {
		return nil, fmt.Errorf("%w: plugin schema has no name", ErrInvalidSchema)
	}
	if p.Config == nil || p.Config.Type != TypeRecord {
		return nil, fmt.Errorf("%w: plugin %s: config must be a record", ErrInvalidSchema, p.Name)
	}
	if len(p.Protocols) == 0 {
		p.Protocols = append([]string(nil), DefaultProtocols...)
	}
	return p, nil
}
