package weir

import "strings"

// QueryArg is one argument of a query string or form body, decoded. Flag marks an
// argument written without '=' (`?debug`), which Kong's PDK reads as true.
type QueryArg struct {
	Name, Value string
	Flag        bool
}

// Args lists the query's arguments in order, names and values percent-decoded ('+' is
// a space, a malformed escape is kept as it is), as ngx.decode_args reads them; empty
// names are skipped. A form body (application/x-www-form-urlencoded) reads the same
// way: Query(body).Args().
func (q Query) Args() []QueryArg {
	var out []QueryArg
	for _, part := range q.parts() {
		k, v, hasValue := strings.Cut(part, "=")
		if k = unescape(k); k == "" {
			continue
		}
		out = append(out, QueryArg{Name: k, Value: unescape(v), Flag: !hasValue})
	}
	return out
}

// EscapeURIComponent percent-encodes s as ngx.escape_uri does for a query component
// (what Kong's set_query and ngx.encode_args write): every byte but letters, digits
// and "-._~", a space as %20.
func EscapeURIComponent(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
