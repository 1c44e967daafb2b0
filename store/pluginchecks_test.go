package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/schema"
)

// TestPluginConfigChecks runs Kong's custom validators of request-termination and
// cors against their real schema.json.
func TestPluginConfigChecks(t *testing.T) {
	var plugins []*schema.Plugin
	for _, name := range []string{"request-termination", "cors", "request-transformer"} {
		raw, err := os.ReadFile("../plugins-wasm/" + name + "/schema.json")
		if err != nil {
			t.Fatal(err)
		}
		p, err := schema.ParsePlugin(raw)
		if err != nil {
			t.Fatal(err)
		}
		plugins = append(plugins, p)
	}
	v := store.NewValidator(plugins, noModules{})
	tests := []struct {
		config map[string]any
		want   string // the errors' fields as JSON; "" for a valid config
	}{
		{map[string]any{"message": "m"}, ""},
		{map[string]any{"body": "b", "content_type": "text/plain"}, ""},
		{map[string]any{"message": "m", "body": "b"}, `{"config":"message cannot be used with content_type or body"}`},
		{map[string]any{"content_type": "text/plain"}, `{"config":"content_type requires a body"}`},
		{map[string]any{"echo": true, "body": "b"}, `{"config":"echo cannot be used with content_type and body"}`},
	}
	for _, tt := range tests {
		_, err := v.Plugin(context.Background(), map[string]any{"name": "request-termination", "config": tt.config})
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || fields(t, err) != tt.want) {
			t.Errorf("config %v: %v, want %s", tt.config, err, tt.want)
		}
	}
	_, err := v.Plugin(context.Background(), map[string]any{"name": "cors", "config": map[string]any{"origins": []any{"*", `https://.*\.x`, "(bad"}}})
	if err == nil || fields(t, err) != `{"config":{"origins":[null,null,"'(bad' is not a valid regex"]}}` {
		t.Errorf("cors origins: %v", err)
	}
	for tmpl, ok := range map[string]bool{
		"plain": true, `$(headers["x-a"])-$(query_params.q or 'd')`: true, "$(uri_captures[1])$(shared.k)": true,
		"$(type(headers))": false, "$(headers.x .. 'y')": false, "$(os.exit())": false, "$(": true,
	} {
		_, err := v.Plugin(context.Background(), map[string]any{"name": "request-transformer",
			"config": map[string]any{"add": map[string]any{"headers": []any{"x-h:" + tmpl}}, "replace": map[string]any{"uri": "/" + tmpl}}})
		if (err == nil) != ok {
			t.Errorf("template %q: %v", tmpl, err)
		}
	}
}
