package store

import (
	"fmt"
	"regexp"

	"github.com/weir-gateway/weir/store/schema"
)

// Kong's custom_validators of built-in plugins' configs: checks that schema.json's
// declarative constraints cannot say (one field against another, a pattern that must
// compile). They run in the Admin API and on declarative files, so a config the
// plugin would refuse is refused before it is stored, with Kong's message.
var pluginConfigChecks = map[string]func(p *schema.Plugin){
	"request-termination": func(p *schema.Plugin) { p.Config.Check = checkRequestTermination },
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
