package store

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/weir-gateway/weir/store/schema"
)

// Kong's custom_validators of built-in plugins' configs: checks that neither
// schema.json's field constraints nor its entity_checks (pluginentitychecks.go) can
// say (limits that must grow with their window, a pattern that must compile, an
// address that must parse). They run in the Admin API and on declarative files, so a
// config the plugin would refuse is refused before it is stored, with Kong's message.
var customValidators = map[string]func(p *schema.Plugin){
	"rate-limiting": func(p *schema.Plugin) { p.Config.Check = checkRateLimitingConfig },
	"ip-restriction": func(p *schema.Plugin) {
		for _, name := range []string{"allow", "deny"} {
			if f := p.Config.Get(name); f != nil && f.Elements != nil {
				f.Elements.Check = checkIPOrCIDR
			}
		}
	},
	"request-termination": func(p *schema.Plugin) { p.Config.Check = checkRequestTermination },
	"request-transformer": func(p *schema.Plugin) {
		for _, op := range []string{"rename", "replace", "add", "append"} {
			rec := p.Config.Get(op)
			if rec == nil {
				continue
			}
			for _, place := range []string{"body", "headers", "querystring"} {
				if f := rec.Get(place); f != nil && f.Elements != nil {
					f.Elements.Check = checkTemplateEntry
				}
			}
			if f := rec.Get("uri"); f != nil {
				f.Check = checkTemplateValue
			}
		}
	},
	"cors": func(p *schema.Plugin) {
		if f := p.Config.Get("origins"); f != nil && f.Elements != nil {
			f.Elements.Check = checkAsteriskOrRegex
		}
	},
}

// attachPluginChecks gives a built-in plugin's schema its custom validators.
func attachPluginChecks(p *schema.Plugin) {
	if attach := customValidators[p.Name]; attach != nil && p.Config != nil {
		attach(p)
	}
}

func checkRequestTermination(v any) string {
	c, _ := v.(map[string]any)
	present := func(k string) bool { s, _ := c[k].(string); return s != "" }
	switch {
	case present("message") && (present("content_type") || present("body")):
		return "message cannot be used with content_type or body"
	case present("content_type") && !present("body"):
		return "content_type requires a body"
	case c["echo"] == true && (present("content_type") || present("body")):
		return "echo cannot be used with content_type and body"
	}
	return ""
}

func checkAsteriskOrRegex(v any) string {
	s, _ := v.(string)
	if s == "*" {
		return ""
	}
	if _, err := regexp.Compile(s); err != nil {
		return fmt.Sprintf("'%s' is not a valid regex", s)
	}
	return ""
}

// templateExpr is what request-transformer evaluates inside $(...): lookups in
// headers, query_params, uri_captures and shared (`.name`, `["name"]`, `[1]`), quoted
// strings, joined by `or`. Kong evaluates any Lua there; weir refuses the rest here
// rather than failing every request.
var templateExpr = func() *regexp.Regexp {
	quoted := `"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`
	lookup := `(?:headers|query_params|uri_captures|shared)(?:\s*(?:\.\s*[A-Za-z_][A-Za-z0-9_]*|\[\s*(?:` + quoted + `|[0-9]+)\s*\]))*`
	term := `(?:` + quoted + `|` + lookup + `|nil)`
	return regexp.MustCompile(`^\s*` + term + `(?:\s+or\s+` + term + `)*\s*$`)
}()

// checkTemplateEntry checks the value of a name:value entry.
func checkTemplateEntry(v any) string {
	s, _ := v.(string)
	_, value, _ := strings.Cut(s, ":")
	return checkTemplateValue(strings.TrimLeft(value, ":"))
}

func checkTemplateValue(v any) string {
	s, _ := v.(string)
	for {
		i := strings.Index(s, "$(")
		if i < 0 {
			return ""
		}
		depth, end := 0, -1
		for j := i + 1; j < len(s) && end < 0; j++ {
			switch s[j] {
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = j
				}
			}
		}
		if end < 0 {
			return "" // no balanced parenthesis: plain text
		}
		if !templateExpr.MatchString(s[i+2 : end]) {
			return fmt.Sprintf("value '%s' is not in supported format, error:weir evaluates lookups in headers, query_params, uri_captures and shared, quoted strings and 'or'", s)
		}
		s = s[end+1:]
	}
}

// rateLimitPeriods are rate-limiting's limits, smallest window first.
var rateLimitPeriods = []string{"second", "minute", "hour", "day", "month", "year"}

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

// RestrictClusterPolicy narrows a built-in plugin's schema for a node whose database
// keeps no shared counters: rate-limiting's cluster policy needs one. Kong refuses it
// without a database (database = off); weir also refuses it on a backend without
// store.Counters (Cassandra), rather than accept a policy it cannot honour.
func RestrictClusterPolicy(p *schema.Plugin) {
	if p.Name != "rate-limiting" {
		return
	}
	if f := p.Config.Get("policy"); f != nil {
		f.OneOf = []any{"local", "redis"}
		f.Description += " (cluster needs a database that keeps shared counters: PostgreSQL or the embedded store)"
	}
}
