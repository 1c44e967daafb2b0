package cqltest

import (
	"fmt"
	"strconv"
	"strings"
)

// The parser knows the CQL subset weir's Cassandra store sends, and the system queries
// gocql makes. Anything else is a syntax error, so an unexpected statement fails loudly.

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokQuoted // a double-quoted identifier
	tokString
	tokNumber
	tokMarker // ?
	tokPunct
)

type token struct {
	kind tokKind
	text string
}

func tokenize(src string) ([]token, error) {
	var out []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(src) && (isIdentStart(src[j]) || isDigit(src[j])) {
				j++
			}
			out = append(out, token{tokIdent, strings.ToLower(src[i:j])})
			i = j
		case isDigit(c) || (c == '-' && i+1 < len(src) && isDigit(src[i+1])):
			j := i + 1
			for j < len(src) && (isDigit(src[j]) || src[j] == '.') {
				j++
			}
			out = append(out, token{tokNumber, src[i:j]})
			i = j
		case c == '\'' || c == '"':
			s, n, err := quoted(src[i:], c)
			if err != nil {
				return nil, err
			}
			kind := tokString
			if c == '"' {
				kind = tokQuoted
			}
			out = append(out, token{kind, s})
			i += n
		case c == '?':
			out = append(out, token{tokMarker, "?"})
			i++
		case c == '<' || c == '>' || c == '!':
			if i+1 < len(src) && src[i+1] == '=' {
				out = append(out, token{tokPunct, src[i : i+2]})
				i += 2
			} else {
				out = append(out, token{tokPunct, string(c)})
				i++
			}
		case strings.IndexByte("(),;.=*{}:[]", c) >= 0:
			out = append(out, token{tokPunct, string(c)})
			i++
		default:
			return nil, fmt.Errorf("line 1:%d no viable alternative at character '%c'", i, c)
		}
	}
	return append(out, token{kind: tokEOF}), nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// quoted reads a quoted string or identifier; a doubled quote is one quote.
func quoted(src string, q byte) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(src); i++ {
		if src[i] != q {
			b.WriteByte(src[i])
			continue
		}
		if i+1 < len(src) && src[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, fmt.Errorf("unterminated quoted text")
}

// expr is a literal or a bind marker.
type expr struct {
	marker int // index of the bind marker, or -1 for a literal
	lit    any // string, int64, bool, nil, map[string]string
}

// cond is one relation of a WHERE or IF clause.
type cond struct {
	col  string
	op   string // = < > <= >= IN
	vals []expr
}

type assign struct {
	col string
	val expr
}

type qualName struct{ ks, name string }

type stmt interface{}

type selectStmt struct {
	table          qualName
	cols           []string // nil is *
	where          []cond
	limit          *expr
	allowFiltering bool
}

type insertStmt struct {
	table       qualName
	cols        []string
	vals        []expr
	ifNotExists bool
	ttl         *expr
}

type updateStmt struct {
	table    qualName
	ttl      *expr
	sets     []assign
	where    []cond
	ifExists bool
	ifConds  []cond
}

type deleteStmt struct {
	table    qualName
	where    []cond
	ifExists bool
	ifConds  []cond
}

type createKeyspaceStmt struct {
	name        string
	ifNotExists bool
	replication map[string]string
	durable     bool
}

type columnDef struct {
	name string
	typ  *ctype
}

type createTableStmt struct {
	table       qualName
	ifNotExists bool
	cols        []columnDef
	pk, ck      []string
	ttl         int
}

type dropStmt struct {
	keyspace bool
	name     qualName
	ifExists bool
}

type useStmt struct{ ks string }

type parser struct {
	toks    []token
	pos     int
	markers int
}

func parse(src string) (stmt, int, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, 0, syntaxErr(err.Error())
	}
	p := &parser{toks: toks}
	st, err := p.statement()
	if err != nil {
		return nil, 0, err
	}
	p.accept(";")
	if p.peek().kind != tokEOF {
		return nil, 0, p.errorf("extraneous input '%s'", p.peek().text)
	}
	return st, p.markers, nil
}

func syntaxErr(msg string) error { return &Error{Code: ErrSyntax, Message: msg} }

func (p *parser) errorf(format string, args ...any) error {
	return syntaxErr("line 1: " + fmt.Sprintf(format, args...))
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

// accept consumes the keyword or punctuation word when it comes next.
func (p *parser) accept(word string) bool {
	t := p.peek()
	if (t.kind == tokIdent || t.kind == tokPunct) && t.text == word {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(words ...string) error {
	for _, w := range words {
		if !p.accept(w) {
			return p.errorf("mismatched input '%s' expecting '%s'", p.peek().text, w)
		}
	}
	return nil
}

func (p *parser) ident() (string, error) {
	t := p.next()
	if t.kind != tokIdent && t.kind != tokQuoted {
		return "", p.errorf("no viable alternative at input '%s'", t.text)
	}
	return t.text, nil
}

func (p *parser) qualName() (qualName, error) {
	a, err := p.ident()
	if err != nil {
		return qualName{}, err
	}
	if !p.accept(".") {
		return qualName{name: a}, nil
	}
	b, err := p.ident()
	return qualName{ks: a, name: b}, err
}

func (p *parser) statement() (stmt, error) {
	switch t := p.next(); t.text {
	case "select":
		return p.selectStmt()
	case "insert":
		return p.insertStmt()
	case "update":
		return p.updateStmt()
	case "delete":
		return p.deleteStmt()
	case "create":
		if p.accept("keyspace") {
			return p.createKeyspace()
		}
		if p.accept("table") || p.accept("columnfamily") {
			return p.createTable()
		}
	case "drop":
		return p.drop()
	case "use":
		ks, err := p.ident()
		return &useStmt{ks}, err
	}
	return nil, p.errorf("unsupported statement at '%s'", p.toks[0].text)
}

func (p *parser) selectStmt() (stmt, error) {
	st := &selectStmt{}
	if !p.accept("*") {
		for {
			c, err := p.ident()
			if err != nil {
				return nil, err
			}
			st.cols = append(st.cols, c)
			if !p.accept(",") {
				break
			}
		}
	}
	if err := p.expect("from"); err != nil {
		return nil, err
	}
	var err error
	if st.table, err = p.qualName(); err != nil {
		return nil, err
	}
	if p.accept("where") {
		if st.where, err = p.conds(); err != nil {
			return nil, err
		}
	}
	if p.accept("limit") {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		st.limit = &e
	}
	if p.accept("allow") {
		if err := p.expect("filtering"); err != nil {
			return nil, err
		}
		st.allowFiltering = true
	}
	return st, nil
}

func (p *parser) conds() ([]cond, error) {
	var out []cond
	for {
		col, err := p.ident()
		if err != nil {
			return nil, err
		}
		c := cond{col: col}
		t := p.next()
		switch {
		case t.kind == tokPunct && (t.text == "=" || t.text == "<" || t.text == ">" || t.text == "<=" || t.text == ">="):
			c.op = t.text
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			c.vals = []expr{e}
		case t.kind == tokIdent && t.text == "in":
			c.op = "IN"
			if err := p.expect("("); err != nil {
				return nil, err
			}
			for {
				e, err := p.expr()
				if err != nil {
					return nil, err
				}
				c.vals = append(c.vals, e)
				if !p.accept(",") {
					break
				}
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
		default:
			return nil, p.errorf("no viable alternative at input '%s'", t.text)
		}
		out = append(out, c)
		if !p.accept("and") {
			return out, nil
		}
	}
}

func (p *parser) expr() (expr, error) {
	t := p.next()
	switch t.kind {
	case tokMarker:
		p.markers++
		return expr{marker: p.markers - 1}, nil
	case tokString:
		return expr{marker: -1, lit: t.text}, nil
	case tokNumber:
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return expr{}, p.errorf("unsupported number %s", t.text)
		}
		return expr{marker: -1, lit: n}, nil
	case tokIdent:
		switch t.text {
		case "true", "false":
			return expr{marker: -1, lit: t.text == "true"}, nil
		case "null":
			return expr{marker: -1}, nil
		}
	case tokPunct:
		if t.text == "{" {
			m, err := p.mapLiteral()
			return expr{marker: -1, lit: m}, err
		}
	}
	return expr{}, p.errorf("no viable alternative at input '%s'", t.text)
}

func (p *parser) mapLiteral() (map[string]string, error) {
	m := map[string]string{}
	if p.accept("}") {
		return m, nil
	}
	for {
		k, v := p.next(), p.next()
		if k.kind != tokString || v.text != ":" {
			return nil, p.errorf("bad map literal at '%s'", k.text)
		}
		val := p.next()
		if val.kind != tokString && val.kind != tokNumber && val.kind != tokIdent {
			return nil, p.errorf("bad map value '%s'", val.text)
		}
		m[k.text] = val.text
		if !p.accept(",") {
			break
		}
	}
	return m, p.expect("}")
}

func (p *parser) ttl() (*expr, error) {
	if !p.accept("using") {
		return nil, nil
	}
	if err := p.expect("ttl"); err != nil {
		return nil, err
	}
	e, err := p.expr()
	return &e, err
}

func (p *parser) insertStmt() (stmt, error) {
	st := &insertStmt{}
	var err error
	if err = p.expect("into"); err != nil {
		return nil, err
	}
	if st.table, err = p.qualName(); err != nil {
		return nil, err
	}
	if err = p.expect("("); err != nil {
		return nil, err
	}
	for {
		c, err := p.ident()
		if err != nil {
			return nil, err
		}
		st.cols = append(st.cols, c)
		if !p.accept(",") {
			break
		}
	}
	if err = p.expect(")", "values", "("); err != nil {
		return nil, err
	}
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		st.vals = append(st.vals, e)
		if !p.accept(",") {
			break
		}
	}
	if err = p.expect(")"); err != nil {
		return nil, err
	}
	if len(st.vals) != len(st.cols) {
		return nil, &Error{Code: ErrInvalid, Message: "Unmatched column names/values"}
	}
	if p.accept("if") {
		if err = p.expect("not", "exists"); err != nil {
			return nil, err
		}
		st.ifNotExists = true
	}
	st.ttl, err = p.ttl()
	return st, err
}

func (p *parser) updateStmt() (stmt, error) {
	st := &updateStmt{}
	var err error
	if st.table, err = p.qualName(); err != nil {
		return nil, err
	}
	if st.ttl, err = p.ttl(); err != nil {
		return nil, err
	}
	if err = p.expect("set"); err != nil {
		return nil, err
	}
	if st.sets, err = p.assignments(","); err != nil {
		return nil, err
	}
	if err = p.expect("where"); err != nil {
		return nil, err
	}
	if st.where, err = p.conds(); err != nil {
		return nil, err
	}
	st.ifExists, st.ifConds, err = p.ifClause()
	return st, err
}

func (p *parser) deleteStmt() (stmt, error) {
	st := &deleteStmt{}
	var err error
	if err = p.expect("from"); err != nil {
		return nil, err
	}
	if st.table, err = p.qualName(); err != nil {
		return nil, err
	}
	if err = p.expect("where"); err != nil {
		return nil, err
	}
	if st.where, err = p.conds(); err != nil {
		return nil, err
	}
	st.ifExists, st.ifConds, err = p.ifClause()
	return st, err
}

// assignments reads `name = expr` pairs separated by sep: an UPDATE's SET list (",")
// or a keyspace's options ("and").
func (p *parser) assignments(sep string) ([]assign, error) {
	var out []assign
	for {
		name, err := p.ident()
		if err != nil {
			return nil, err
		}
		if err := p.expect("="); err != nil {
			return nil, err
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, assign{name, e})
		if !p.accept(sep) {
			return out, nil
		}
	}
}

func (p *parser) ifClause() (bool, []cond, error) {
	if !p.accept("if") {
		return false, nil, nil
	}
	if p.accept("exists") {
		return true, nil, nil
	}
	cs, err := p.conds()
	return false, cs, err
}

func (p *parser) ifNotExists() (bool, error) {
	if !p.accept("if") {
		return false, nil
	}
	return true, p.expect("not", "exists")
}

func (p *parser) createKeyspace() (stmt, error) {
	st := &createKeyspaceStmt{durable: true}
	var err error
	if st.ifNotExists, err = p.ifNotExists(); err != nil {
		return nil, err
	}
	if st.name, err = p.ident(); err != nil {
		return nil, err
	}
	if err = p.expect("with"); err != nil {
		return nil, err
	}
	opts, err := p.assignments("and")
	if err != nil {
		return nil, err
	}
	for _, a := range opts {
		opt, e := a.col, a.val
		switch opt {
		case "replication":
			m, ok := e.lit.(map[string]string)
			if !ok || m["class"] == "" {
				return nil, &Error{Code: ErrConfig, Message: "Missing mandatory replication strategy class"}
			}
			st.replication = m
		case "durable_writes":
			st.durable, _ = e.lit.(bool)
		default:
			return nil, syntaxErr("Unrecognized property '" + opt + "'")
		}
	}
	if st.replication == nil {
		return nil, &Error{Code: ErrConfig, Message: "Missing mandatory option 'replication'"}
	}
	return st, nil
}

func (p *parser) createTable() (stmt, error) {
	st := &createTableStmt{}
	var err error
	if st.ifNotExists, err = p.ifNotExists(); err != nil {
		return nil, err
	}
	if st.table, err = p.qualName(); err != nil {
		return nil, err
	}
	if err = p.expect("("); err != nil {
		return nil, err
	}
	for {
		if p.accept("primary") {
			if err := p.expect("key", "("); err != nil {
				return nil, err
			}
			if err := p.primaryKey(st); err != nil {
				return nil, err
			}
		} else {
			name, err := p.ident()
			if err != nil {
				return nil, err
			}
			typ, err := p.typ()
			if err != nil {
				return nil, err
			}
			st.cols = append(st.cols, columnDef{name, typ})
			if p.accept("primary") {
				if err := p.expect("key"); err != nil {
					return nil, err
				}
				st.pk = []string{name}
			}
		}
		if !p.accept(",") {
			break
		}
	}
	if err = p.expect(")"); err != nil {
		return nil, err
	}
	if p.accept("with") {
		for {
			opt, err := p.ident()
			if err != nil {
				return nil, err
			}
			if err := p.expect("="); err != nil {
				return nil, err
			}
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			switch opt {
			case "default_time_to_live":
				n, _ := e.lit.(int64)
				st.ttl = int(n)
			case "gc_grace_seconds", "comment":
			default:
				return nil, syntaxErr("Unrecognized property '" + opt + "'")
			}
			if !p.accept("and") {
				break
			}
		}
	}
	if len(st.pk) == 0 {
		return nil, &Error{Code: ErrInvalid, Message: "No PRIMARY KEY specifed (exactly one required)"}
	}
	return st, nil
}

// primaryKey reads "(a, b), c, d)" or "a, c)" after PRIMARY KEY (.
func (p *parser) primaryKey(st *createTableStmt) error {
	if p.accept("(") {
		for {
			c, err := p.ident()
			if err != nil {
				return err
			}
			st.pk = append(st.pk, c)
			if !p.accept(",") {
				break
			}
		}
		if err := p.expect(")"); err != nil {
			return err
		}
	} else {
		c, err := p.ident()
		if err != nil {
			return err
		}
		st.pk = []string{c}
	}
	for p.accept(",") {
		c, err := p.ident()
		if err != nil {
			return err
		}
		st.ck = append(st.ck, c)
	}
	return p.expect(")")
}

func (p *parser) typ() (*ctype, error) {
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	switch name {
	case "set", "list":
		if err := p.expect("<"); err != nil {
			return nil, err
		}
		elem, err := p.typ()
		if err != nil {
			return nil, err
		}
		kind := typeSet
		if name == "list" {
			kind = typeList
		}
		return &ctype{kind: kind, elem: elem}, p.expect(">")
	case "map":
		if err := p.expect("<"); err != nil {
			return nil, err
		}
		k, err := p.typ()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		v, err := p.typ()
		if err != nil {
			return nil, err
		}
		return &ctype{kind: typeMap, key: k, elem: v}, p.expect(">")
	}
	if k, ok := nativeTypes[name]; ok {
		return &ctype{kind: k}, nil
	}
	return nil, syntaxErr("Unknown type " + name)
}

func (p *parser) drop() (stmt, error) {
	st := &dropStmt{}
	switch {
	case p.accept("keyspace"):
		st.keyspace = true
	case p.accept("table"):
	default:
		return nil, p.errorf("unsupported DROP at '%s'", p.peek().text)
	}
	if p.accept("if") {
		if err := p.expect("exists"); err != nil {
			return nil, err
		}
		st.ifExists = true
	}
	var err error
	st.name, err = p.qualName()
	if st.keyspace {
		st.name = qualName{name: st.name.name}
	}
	return st, err
}
