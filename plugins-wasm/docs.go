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
	return w.Bytes(), nil
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
