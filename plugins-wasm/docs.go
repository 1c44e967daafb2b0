package pluginswasm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/weir-gateway/weir/store/schema"
)

// Markdown renders a built-in plugin's reference page (docs/plugins/<name>.md) from
// its schema.json, so the page cannot drift from what the Admin API validates.
func Markdown(b Builtin) ([]byte, error) {
	p, err := schema.ParsePlugin(b.Schema)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name, err)
	}
	var w bytes.Buffer
	fmt.Fprintf(&w, "# %s\n\n", p.Name)
	fmt.Fprintf(&w, "<!-- Generated from plugins-wasm/%s/schema.json by `make plugin-docs`; edit the schema, not this file. -->\n\n", p.Name)
	fmt.Fprintf(&w, "| | |\n| --- | --- |\n")
	fmt.Fprintf(&w, "| version | %s |\n", p.Version)
	fmt.Fprintf(&w, "| priority | %d |\n", p.Priority)
	fmt.Fprintf(&w, "| protocols | %s |\n", code(p.Protocols...))
	fmt.Fprintf(&w, "| scopes | %s |\n", scopes(p))
	fmt.Fprintf(&w, "\n## Configuration\n\n")
	fmt.Fprintf(&w, "Fields of `config`. A field without a value takes its default.\n\n")
	fmt.Fprintf(&w, "| field | type | default | constraints | description |\n| --- | --- | --- | --- | --- |\n")
	writeFields(&w, "", p.Config)
	if len(p.EntityChecks) > 0 {
		checks, err := describeChecks(p.EntityChecks)
		if err != nil {
			return nil, fmt.Errorf("%s: entity_checks: %w", b.Name, err)
		}
		fmt.Fprintf(&w, "\n## Checks across fields\n\n")
		for _, c := range checks {
			fmt.Fprintf(&w, "- %s\n", c)
		}
	}
	return w.Bytes(), nil
}

// describeChecks puts a schema's entity_checks (Kong's format, as store runs them) in
// words.
func describeChecks(raw json.RawMessage) ([]string, error) {
	var checks []struct {
		OnlyOneOf    []string `json:"only_one_of"`
		AtLeastOneOf []string `json:"at_least_one_of"`
		Conditional  *struct {
			IfField   string         `json:"if_field"`
			IfMatch   map[string]any `json:"if_match"`
			ThenField string         `json:"then_field"`
			ThenMatch map[string]any `json:"then_match"`
		} `json:"conditional"`
	}
	if err := json.Unmarshal(raw, &checks); err != nil {
		return nil, err
	}
	var out []string
	for _, c := range checks {
		switch {
		case c.AtLeastOneOf != nil:
			out = append(out, "At least one of "+code(c.AtLeastOneOf...)+" must be set.")
		case c.OnlyOneOf != nil:
			out = append(out, "Exactly one of "+code(c.OnlyOneOf...)+" must be set.")
		case c.Conditional != nil:
			cd := c.Conditional
			out = append(out, fmt.Sprintf("When %s %s, %s %s.", code(cd.IfField), matchWords(cd.IfMatch),
				code(cd.ThenField), matchWords(cd.ThenMatch)))
		}
	}
	return out, nil
}

// matchWords says what a conditional's if_match or then_match asks of a field.
func matchWords(m map[string]any) string {
	var out []string
	for _, k := range []string{"eq", "gt", "contains", "required"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		b, _ := json.Marshal(v)
		switch k {
		case "eq":
			out = append(out, "is "+code(string(b)))
		case "gt":
			out = append(out, "is greater than "+string(b))
		case "contains":
			out = append(out, "must contain "+code(string(b)))
		case "required":
			out = append(out, "must be set")
		}
	}
	return strings.Join(out, " and ")
}

// writeFields writes one row per field of a record, recursing into nested records
// with dotted names.
func writeFields(w *bytes.Buffer, prefix string, rec *schema.Field) {
	for _, nf := range rec.Fields {
		name := prefix + nf.Name
		f := nf.Field
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", name, typeName(f), defaultOf(f),
			constraints(f), cell(f.Description))
		if f.Type == schema.TypeRecord {
			writeFields(w, name+".", f)
		}
	}
}

func typeName(f *schema.Field) string {
	switch {
	case f.Elements != nil:
		return fmt.Sprintf("%s of %s", f.Type, typeName(f.Elements))
	case f.Keys != nil && f.Values != nil:
		return fmt.Sprintf("map %s → %s", typeName(f.Keys), typeName(f.Values))
	}
	return f.Type
}

func defaultOf(f *schema.Field) string {
	if !f.HasDefault {
		return ""
	}
	b, err := json.Marshal(f.Default)
	if err != nil {
		return ""
	}
	return "`" + cell(string(b)) + "`"
}

// constraints lists what the field accepts beyond its type, elements included.
func constraints(f *schema.Field) string {
	var out []string
	if f.Required {
		out = append(out, "required")
	}
	out = append(out, valueRules(f)...)
	if f.Elements != nil {
		for _, r := range valueRules(f.Elements) {
			out = append(out, "each: "+r)
		}
	}
	return strings.Join(out, "; ")
}

func valueRules(f *schema.Field) []string {
	var out []string
	if len(f.OneOf) > 0 {
		vals := make([]string, len(f.OneOf))
		for i, v := range f.OneOf {
			vals[i] = fmt.Sprint(v)
		}
		out = append(out, "one of "+code(vals...))
	}
	if len(f.Between) == 2 {
		out = append(out, fmt.Sprintf("between %g and %g", f.Between[0], f.Between[1]))
	}
	if f.Gt != nil {
		out = append(out, fmt.Sprintf("greater than %g", *f.Gt))
	}
	if f.LenMin != nil {
		out = append(out, fmt.Sprintf("length at least %d", *f.LenMin))
	}
	if f.LenMax != nil {
		out = append(out, fmt.Sprintf("length at most %d", *f.LenMax))
	}
	if f.Match != "" {
		out = append(out, "matches "+code(f.Match))
	}
	return out
}

func scopes(p *schema.Plugin) string {
	var out []string
	for _, s := range []struct {
		name    string
		refused bool
	}{{"global", false}, {"service", p.NoService}, {"route", p.NoRoute}, {"consumer", p.NoConsumer}} {
		if !s.refused {
			out = append(out, s.name)
		}
	}
	return strings.Join(out, ", ")
}

func code(vals ...string) string {
	out := make([]string, len(vals))
	for i, v := range vals {
		if strings.Contains(v, "`") {
			out[i] = "`` " + cell(v) + " ``" // a code span that may hold a backtick
		} else {
			out[i] = "`" + cell(v) + "`"
		}
	}
	return strings.Join(out, ", ")
}

// cell keeps a value inside one Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
