package store

import (
	"fmt"
	"slices"
	"strings"

	"github.com/weir-gateway/weir/store/schema"
)

// Entity checks: rules across fields, run after every field is valid. Each returns the
// errors keyed by field, "@entity" holding entity-level messages, or nil.

const mustBeNull = "value must be null"

func conditionalFailure(field string) []any {
	return []any{fmt.Sprintf("failed conditional validation given value of field '%s'", field)}
}

func serviceChecks(e map[string]any) map[string]any {
	proto, _ := e["protocol"].(string)
	errs := map[string]any{}
	if e["path"] != nil && slices.Contains([]string{"tcp", "tls", "udp", "grpc", "grpcs"}, proto) {
		errs["path"] = mustBeNull
	}
	if proto != "https" && proto != "tls" {
		for _, f := range []string{"client_certificate", "tls_verify", "tls_verify_depth", "ca_certificates"} {
			if e[f] != nil {
				errs[f] = mustBeNull
			}
		}
	}
	if len(errs) > 0 {
		errs["@entity"] = conditionalFailure("protocol")
		return errs
	}
	return nil
}

func routeChecks(e map[string]any) map[string]any {
	protocols := stringSet(e["protocols"])
	set := func(f string) bool {
		v := e[f]
		switch t := v.(type) {
		case []any:
			return len(t) > 0
		case map[string]any:
			return len(t) > 0
		}
		return v != nil
	}
	var entity []any
	errs := map[string]any{}
	need := func(fields []string, label string) {
		for _, f := range fields {
			if set(f) {
				return
			}
		}
		entity = append(entity, fmt.Sprintf("must set one of %s when 'protocols' is '%s'", quoteList(fields), label))
	}
	forbid := func(fields []string, msg string) {
		for _, f := range fields {
			if set(f) {
				errs[f] = fmt.Sprintf("cannot set '%s' when 'protocols' is %s", f, msg)
			}
		}
	}
	switch {
	case protocols["http"] || protocols["https"]:
		if !onlyOf(protocols, "http", "https") {
			entity = append(entity, "schema violation (protocols: mixing http and non-http protocols is not allowed)")
		}
		forbid([]string{"sources", "destinations"}, "'http' or 'https'")
		if protocols["https"] {
			need([]string{"methods", "hosts", "headers", "paths", "snis"}, "https")
		} else {
			need([]string{"methods", "hosts", "headers", "paths"}, "http")
		}
	case protocols["grpc"] || protocols["grpcs"]:
		if !onlyOf(protocols, "grpc", "grpcs") {
			entity = append(entity, "schema violation (protocols: mixing grpc and non-grpc protocols is not allowed)")
		}
		if e["strip_path"] == true {
			errs["strip_path"] = "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'"
		}
		forbid([]string{"methods", "sources", "destinations"}, "'grpc' or 'grpcs'")
		if protocols["grpcs"] {
			need([]string{"hosts", "headers", "paths", "snis"}, "grpcs")
		} else {
			need([]string{"hosts", "headers", "paths"}, "grpc")
		}
	default:
		forbid([]string{"methods", "hosts", "paths", "headers"}, "'tcp', 'tls', 'tls_passthrough' or 'udp'")
		if protocols["tls_passthrough"] {
			need([]string{"snis"}, "tls_passthrough")
		} else {
			need([]string{"sources", "destinations", "snis"}, "tcp', 'tls' or 'udp")
		}
	}
	if set("snis") && !(protocols["https"] || protocols["grpcs"] || protocols["tls"] || protocols["tls_passthrough"]) {
		entity = append(entity, "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'")
	}
	if len(entity) > 0 {
		errs["@entity"] = entity
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func consumerChecks(e map[string]any) map[string]any {
	if e["username"] == nil && e["custom_id"] == nil {
		return map[string]any{"@entity": []any{"at least one of these fields must be non-empty: 'custom_id', 'username'"}}
	}
	return nil
}

// pluginScopeChecks refuses the scopes a plugin's schema forbids (Kong's no_consumer,
// no_route, no_service typedefs).
func pluginScopeChecks(p *schema.Plugin) func(map[string]any) map[string]any {
	return func(e map[string]any) map[string]any {
		errs := map[string]any{}
		for field, refused := range map[string]bool{"consumer": p.NoConsumer, "route": p.NoRoute, "service": p.NoService} {
			if refused && e[field] != nil {
				errs[field] = mustBeNull
			}
		}
		if len(errs) > 0 {
			return errs
		}
		return pluginConfigChecks(p.Name, e)
	}
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, el := range list {
		if s, ok := el.(string); ok {
			out[s] = true
		}
	}
	return out
}

func onlyOf(set map[string]bool, allowed ...string) bool {
	for k := range set {
		if !slices.Contains(allowed, k) {
			return false
		}
	}
	return true
}

func quoteList(fields []string) string {
	q := make([]string, len(fields))
	for i, f := range fields {
		q[i] = "'" + f + "'"
	}
	return strings.Join(q, ", ")
}
