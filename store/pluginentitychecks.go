package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/weir-gateway/weir/store/schema"
)

// pluginEntityCheck is one rule of a plugin schema's entity_checks, in Kong's format;
// weir runs the kinds its built-ins use. Field names are paths such as "config.allow".
type pluginEntityCheck struct {
	OnlyOneOf    []string `json:"only_one_of"`
	AtLeastOneOf []string `json:"at_least_one_of"`
	Conditional  *struct {
		IfField   string     `json:"if_field"`
		IfMatch   fieldMatch `json:"if_match"`
		ThenField string     `json:"then_field"`
		ThenMatch fieldMatch `json:"then_match"`
	} `json:"conditional"`
}

// fieldMatch is the part of a field definition a conditional check matches with.
type fieldMatch struct {
	Gt       *float64 `json:"gt"`
	Eq       any      `json:"eq"`
	Contains any      `json:"contains"`
	Required bool     `json:"required"`
}

// pluginEntityChecks runs the plugin schema's entity_checks on a plugin entity; the
// errors are Kong's: entity-level messages under "@entity", a conditional's field error
// nested at its path.
func pluginEntityChecks(p *schema.Plugin, e map[string]any) map[string]any {
	if len(p.EntityChecks) == 0 {
		return nil
	}
	var checks []pluginEntityCheck
	if err := json.Unmarshal(p.EntityChecks, &checks); err != nil {
		return map[string]any{"@entity": []any{"invalid entity_checks in plugin schema: " + err.Error()}}
	}
	errs := map[string]any{}
	var entity []any
	for _, c := range checks {
		switch {
		case c.AtLeastOneOf != nil:
			if countNonEmpty(e, c.AtLeastOneOf) == 0 {
				entity = append(entity, "at least one of these fields must be non-empty: "+quoteList(c.AtLeastOneOf))
			}
		case c.OnlyOneOf != nil:
			if allPresent(e, c.OnlyOneOf) && countNonEmpty(e, c.OnlyOneOf) != 1 {
				entity = append(entity, "exactly one of these fields must be non-empty: "+quoteList(c.OnlyOneOf))
			}
		case c.Conditional != nil:
			cd := c.Conditional
			if !cd.IfMatch.matches(fieldAt(e, cd.IfField)) {
				continue
			}
			if msg := cd.ThenMatch.failure(fieldAt(e, cd.ThenField)); msg != "" {
				setAt(errs, cd.ThenField, msg)
				entity = append(entity, fmt.Sprintf("failed conditional validation given value of field '%s'", cd.IfField))
			}
		}
	}
	if len(entity) > 0 {
		errs["@entity"] = entity
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func (m fieldMatch) matches(v any) bool {
	if m.Gt != nil {
		n, ok := v.(float64)
		return ok && n > *m.Gt
	}
	return m.failure(v) == ""
}

// failure is Kong's message for a value that does not match, "" when it does.
func (m fieldMatch) failure(v any) string {
	if m.Required && v == nil {
		return "required field missing"
	}
	if m.Eq != nil && v != m.Eq {
		return fmt.Sprintf("value must be %v", m.Eq)
	}
	if m.Contains != nil {
		list, _ := v.([]any)
		if !slices.Contains(list, m.Contains) {
			return fmt.Sprintf("expected to contain: %v", m.Contains)
		}
	}
	return ""
}

// fieldAt reads a dotted path ("config.allow") of an entity; nil when absent or null.
func fieldAt(e map[string]any, path string) any {
	var v any = e
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// setAt stores an error message at a dotted path, nesting maps as it goes.
func setAt(errs map[string]any, path, msg string) {
	parts := strings.Split(path, ".")
	m := errs
	for _, part := range parts[:len(parts)-1] {
		next, ok := m[part].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[part] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = msg
}

func allPresent(e map[string]any, paths []string) bool {
	for _, p := range paths {
		if fieldAt(e, p) == nil {
			return false
		}
	}
	return true
}

// countNonEmpty counts the paths holding something other than null, "", [] or {}.
func countNonEmpty(e map[string]any, paths []string) int {
	n := 0
	for _, p := range paths {
		switch v := fieldAt(e, p).(type) {
		case nil:
		case string:
			if v != "" {
				n++
			}
		case []any:
			if len(v) > 0 {
				n++
			}
		case map[string]any:
			if len(v) > 0 {
				n++
			}
		default:
			n++
		}
	}
	return n
}
