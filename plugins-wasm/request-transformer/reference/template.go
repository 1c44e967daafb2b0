package main

import (
	"errors"
	"fmt"
	"strings"
)

// A value in a template's environment, as Lua sees it: nil, a string, true (a query
// flag) or a list (a repeated header or argument).
type value struct {
	set  bool // not nil
	s    string
	flag bool // the boolean true
	list []value
	ns   namespace // a table of the environment (headers, query_params, ...)
}

func str(s string) value { return value{set: true, s: s} }

// String is Lua's tostring as the template prints it; a list prints its values
// joined by ", " (Lua would print the table's address).
func (v value) String() string {
	switch {
	case !v.set:
		return ""
	case v.flag:
		return "true"
	case v.list != nil:
		parts := make([]string, len(v.list))
		for i, e := range v.list {
			parts[i] = e.String()
		}
		return strings.Join(parts, ", ")
	}
	return v.s
}

// namespace looks a key up in one of the environment's tables.
type namespace func(key string) value

// env resolves the environment's top-level names (headers, query_params,
// uri_captures, shared); anything else is nil, as in Kong's sandbox.
type env func(name string) namespace

var errTemplate = errors.New("unsupported template expression")

// render expands every $(expr) of a template. An expression is a chain of lookups
// (`headers.x`, `headers["x-y"]`, `query_params.y`, `uri_captures[1]`, `shared.k`),
// a quoted string, and `a or b`; a nil result prints as "", as Penlight does.
func render(tmpl string, e env) (string, error) {
	if !strings.Contains(tmpl, "$(") {
		return tmpl, nil // a plain value, the common case: nothing to build
	}
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "$(")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String(), nil
		}
		end := closing(tmpl, i+1)
		if end < 0 {
			b.WriteString(tmpl) // no balanced parenthesis: Penlight leaves it as text
			return b.String(), nil
		}
		b.WriteString(tmpl[:i])
		v, err := eval(tmpl[i+2:end], e)
		if err != nil {
			return "", fmt.Errorf("%w: %s", err, tmpl[i:end+1])
		}
		b.WriteString(v.String())
		tmpl = tmpl[end+1:]
	}
}

// closing finds the parenthesis that balances the one at open (Lua's %b()).
func closing(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// checkTemplate says whether every expression of a template is one render can
// evaluate.
func checkTemplate(tmpl string) error {
	_, err := render(tmpl, func(string) namespace { return func(string) value { return value{} } })
	return err
}

// eval evaluates `term { or term }`.
func eval(expr string, e env) (value, error) {
	p := &parser{s: expr, env: e}
	v, err := p.term()
	for err == nil {
		p.space()
		if p.done() {
			return v, nil
		}
		if !p.word("or") {
			return value{}, errTemplate
		}
		var next value
		if next, err = p.term(); err == nil && !v.set {
			v = next
		}
	}
	return value{}, err
}

type parser struct {
	s   string
	i   int
	env env
}

func (p *parser) done() bool { return p.i >= len(p.s) }

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// word consumes a keyword followed by a space.
func (p *parser) word(w string) bool {
	if strings.HasPrefix(p.s[p.i:], w+" ") {
		p.i += len(w) + 1
		return true
	}
	return false
}

// term is a quoted string, or a name followed by lookups.
func (p *parser) term() (value, error) {
	p.space()
	if p.done() {
		return value{}, errTemplate
	}
	if c := p.s[p.i]; c == '"' || c == '\'' {
		s, err := p.quoted()
		return str(s), err
	}
	name := p.ident()
	if name == "" {
		return value{}, errTemplate
	}
	var v value
	if ns := p.env(name); ns != nil {
		v = value{set: true, ns: ns}
	} else if !known(name) {
		return value{}, errTemplate
	}
	for {
		p.space()
		var key string
		switch {
		case p.done():
			return v, nil
		case p.s[p.i] == '.':
			p.i++
			if key = p.ident(); key == "" {
				return value{}, errTemplate
			}
		case p.s[p.i] == '[':
			p.i++
			p.space()
			var err error
			if key, err = p.index(); err != nil {
				return value{}, err
			}
			p.space()
			if p.done() || p.s[p.i] != ']' {
				return value{}, errTemplate
			}
			p.i++
		default:
			return v, nil
		}
		if v.ns == nil {
			return value{}, fmt.Errorf("%w: attempt to index a non-table value", errTemplate)
		}
		v = v.ns(key)
	}
}

// known are the environment's names: they may be nil (no value) but are not errors.
func known(name string) bool {
	switch name {
	case "headers", "query_params", "uri_captures", "shared", "nil":
		return true
	}
	return false
}

// index is the key inside brackets: a quoted string or a number.
func (p *parser) index() (string, error) {
	if p.done() {
		return "", errTemplate
	}
	if c := p.s[p.i]; c == '"' || c == '\'' {
		return p.quoted()
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == start {
		return "", errTemplate
	}
	return p.s[start:p.i], nil
}

func (p *parser) ident() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || p.i > start && '0' <= c && c <= '9' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

// quoted reads a Lua string in single or double quotes, with backslash escapes.
func (p *parser) quoted() (string, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == q:
			return b.String(), nil
		case c == '\\' && p.i < len(p.s):
			b.WriteByte(p.s[p.i])
			p.i++
		default:
			b.WriteByte(c)
		}
	}
	return "", errTemplate
}
