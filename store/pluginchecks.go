package store

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/weir-gateway/weir/store/schema"
)

// Checks of built-in plugins' configs that Kong writes in Lua (custom validators and
// entity_checks) and the schema.json field language cannot say. addConfigChecks hangs
// the field-level ones on a plugin's parsed schema; pluginConfigChecks runs the
// entity-level ones on a validated plugin entity, with Kong's messages.

// rateLimitPeriods are rate-limiting's limits, smallest window first.
var rateLimitPeriods = []string{"second", "minute", "hour", "day", "month", "year"}

// addConfigChecks installs the Go checks of the built-in plugin p.
func addConfigChecks(p *schema.Plugin) {
	switch p.Name {
	case "rate-limiting":
		p.Config.Check = checkRateLimitingConfig
	case "ip-restriction":
		for _, name := range []string{"allow", "deny"} {
			if f := p.Config.Get(name); f != nil && f.Elements != nil {
				f.Elements.Check = checkIPOrCIDR
			}
		}
	}
}

// pluginConfigChecks are the entity checks of the built-in plugin named name.
func pluginConfigChecks(name string, e map[string]any) map[string]any {
	cfg, _ := e["config"].(map[string]any)
	if cfg == nil {
		return nil
	}
	switch name {
	case "rate-limiting":
		return rateLimitingEntityChecks(cfg)
	case "ip-restriction":
		return atLeastOneOf(cfg, "allow", "deny")
	}
	return nil
}

// checkRateLimitingConfig is Kong's validate_periods_order: a longer window may not
// have a lower limit, and sync_rate belongs to the redis policy.
func checkRateLimitingConfig(v any) string {
	cfg, _ := v.(map[string]any)
	for i, lo := range rateLimitPeriods {
		a, ok := cfg[lo].(float64)
		if !ok {
			continue
		}
		for _, hi := range rateLimitPeriods[i+1:] {
			if b, ok := cfg[hi].(float64); ok && b < a {
				return fmt.Sprintf("The limit for %s(%.1f) cannot be lower than the limit for %s(%.1f)", hi, b, lo, a)
			}
		}
	}
	syncRate, _ := cfg["sync_rate"].(float64)
	policy, _ := cfg["policy"].(string)
	if policy != "redis" && syncRate != -1 {
		return "sync_rate can only be used with the redis policy"
	}
	if policy == "redis" && syncRate != -1 && syncRate < 0.02 {
		return "sync_rate must be greater than 0.02, or -1 to disable"
	}
	return ""
}

func rateLimitingEntityChecks(cfg map[string]any) map[string]any {
	if errs := atLeastOneOf(cfg, rateLimitPeriods...); errs != nil {
		return errs
	}
	type conditional struct{ ifField, ifValue, thenField string }
	for _, c := range []conditional{
		{"policy", "redis", "redis.host"}, {"policy", "redis", "redis.port"}, {"policy", "redis", "redis.timeout"},
		{"limit_by", "header", "header_name"}, {"limit_by", "path", "path"},
	} {
		if cfg[c.ifField] != c.ifValue || lookupPath(cfg, c.thenField) != nil {
			continue
		}
		// Kong reports the missing field under its nested path and the condition on the entity.
		missing := any("required field missing")
		parts := strings.Split(c.thenField, ".")
		for i := len(parts) - 1; i >= 0; i-- {
			missing = map[string]any{parts[i]: missing}
		}
		return map[string]any{"@entity": conditionalFailure("config." + c.ifField), "config": missing}
	}
	return nil
}

// atLeastOneOf is Kong's at_least_one_of over config fields.
func atLeastOneOf(cfg map[string]any, fields ...string) map[string]any {
	for _, f := range fields {
		switch v := cfg[f].(type) {
		case nil:
		case []any:
			if len(v) > 0 {
				return nil
			}
		default:
			return nil
		}
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = "config." + f
	}
	return map[string]any{"@entity": []any{"at least one of these fields must be non-empty: " + quoteList(names)}}
}

func lookupPath(cfg map[string]any, path string) any {
	var v any = cfg
	for _, p := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// checkIPOrCIDR is Kong's typedefs.ip_or_cidr: an IPv4 or IPv6 address, or a CIDR range.
func checkIPOrCIDR(v any) string {
	s, _ := v.(string)
	if _, err := netip.ParseAddr(s); err == nil && !strings.Contains(s, "%") {
		return ""
	}
	if _, err := netip.ParsePrefix(s); err == nil {
		return ""
	}
	return fmt.Sprintf("invalid ip or cidr range: '%s'", s)
}

// pluginShorthands are Kong's deprecated shorthand fields of built-in plugins' configs:
// a flat name accepted on input and moved to its place in a nested record (Kong 3.9's
// rate-limiting takes config.redis_host for config.redis.host until 4.0).
var pluginShorthands = map[string]map[string][]string{
	"rate-limiting": {
		"redis_host": {"redis", "host"}, "redis_port": {"redis", "port"}, "redis_password": {"redis", "password"},
		"redis_username": {"redis", "username"}, "redis_ssl": {"redis", "ssl"}, "redis_ssl_verify": {"redis", "ssl_verify"},
		"redis_server_name": {"redis", "server_name"}, "redis_timeout": {"redis", "timeout"}, "redis_database": {"redis", "database"},
	},
}

// expandShorthands returns in with p's shorthand config fields moved into place (typed
// against the target field, for form input); in itself is not changed.
func expandShorthands(p *schema.Plugin, in map[string]any) map[string]any {
	short := pluginShorthands[p.Name]
	cfg, _ := in["config"].(map[string]any)
	if short == nil || cfg == nil {
		return in
	}
	var out map[string]any
	for name, path := range short {
		v, ok := cfg[name]
		if !ok {
			continue
		}
		if out == nil {
			in = cloneMap(in)
			out = cloneMap(cfg)
			in["config"] = out
		}
		delete(out, name)
		if v == nil {
			continue
		}
		target := p.Config
		parent := out
		for _, seg := range path[:len(path)-1] {
			if target != nil {
				target = target.Get(seg)
			}
			child, _ := parent[seg].(map[string]any)
			child = cloneMap(child)
			parent[seg] = child
			parent = child
		}
		leaf := path[len(path)-1]
		if target != nil {
			v = target.Get(leaf).Coerce(v) // Coerce takes a nil field
		}
		parent[leaf] = v
	}
	return in
}

// RestrictDBLess narrows a built-in plugin's schema to what Kong allows when the
// node has no database (database = off): rate-limiting's cluster policy needs one.
func RestrictDBLess(p *schema.Plugin) {
	if p.Name != "rate-limiting" {
		return
	}
	if f := p.Config.Get("policy"); f != nil {
		f.OneOf = []any{"local", "redis"}
		f.Description += " (cluster is not available without a database)"
	}
}
