package main

import (
	"encoding/json"
	"fmt"
)

// config is key-auth's configuration (schema.json). The Admin API fills defaults, but
// the plugin applies them again for fields that are absent or null, so a config written
// by hand (or by an older gateway) means the same thing.
type config struct {
	KeyNames        []string
	HideCredentials bool
	Anonymous       string
	KeyInHeader     bool
	KeyInQuery      bool
	KeyInBody       bool
	RunOnPreflight  bool
	Realm           string
}

// wireConfig is the JSON as sent; pointers tell absent from false.
type wireConfig struct {
	KeyNames        []string `json:"key_names"`
	HideCredentials *bool    `json:"hide_credentials"`
	Anonymous       *string  `json:"anonymous"`
	KeyInHeader     *bool    `json:"key_in_header"`
	KeyInQuery      *bool    `json:"key_in_query"`
	KeyInBody       *bool    `json:"key_in_body"`
	RunOnPreflight  *bool    `json:"run_on_preflight"`
	Realm           *string  `json:"realm"`
}

// parseConfig reads the configuration JSON; empty input means every default.
func parseConfig(raw []byte) (config, error) {
	var w wireConfig
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &w); err != nil {
			return config{}, fmt.Errorf("key-auth configuration: %w", err)
		}
	}
	c := config{
		KeyNames:        w.KeyNames,
		HideCredentials: orBool(w.HideCredentials, false),
		Anonymous:       orString(w.Anonymous, ""),
		KeyInHeader:     orBool(w.KeyInHeader, true),
		KeyInQuery:      orBool(w.KeyInQuery, true),
		KeyInBody:       orBool(w.KeyInBody, false),
		RunOnPreflight:  orBool(w.RunOnPreflight, true),
		Realm:           orString(w.Realm, ""),
	}
	if len(c.KeyNames) == 0 {
		c.KeyNames = []string{"apikey"}
	}
	return c, nil
}

// wwwAuthenticate is the challenge every 401 carries.
func (c config) wwwAuthenticate() string {
	if c.Realm == "" {
		return "Key"
	}
	return fmt.Sprintf("Key realm=%q", c.Realm)
}

func orBool(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func orString(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}
