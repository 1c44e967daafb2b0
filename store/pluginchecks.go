package store

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/weir-gateway/weir/store/schema"
)

// Kong's custom_validators of built-in plugins' configs: checks that schema.json's
// declarative constraints cannot say (one field against another, a pattern that must
// compile). They run in the Admin API and on declarative files, so a config the
// plugin would refuse is refused before it is stored, with Kong's message.
var pluginConfigChecks = map[string]func(p *schema.Plugin){
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
	if attach := pluginConfigChecks[p.Name]; attach != nil && p.Config != nil {
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
