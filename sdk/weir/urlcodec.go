package weir

import (
	"errors"
	"sort"
	"strings"
)

// The SDK decodes and encodes query strings and forms itself rather than through
// net/url and mime: those packages (and net/netip behind them) add hundreds of KB to
// every module that links package weir, and each instance of a module pays for its
// size in memory.

var errBadEscape = errors.New("invalid URL escape")

// unescapeStrict decodes one query component as url.QueryUnescape does: %XX escapes
// and '+' as a space; a malformed escape is an error.
func unescapeStrict(s string) (string, error) {
	if !strings.ContainsAny(s, "%+") {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b.WriteByte(' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", errBadEscape
			}
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// unescape decodes one query component, keeping it as is when it is malformed.
func unescape(s string) string {
	if u, err := unescapeStrict(s); err == nil {
		return u
	}
	return s
}

// escape encodes one query component as url.QueryEscape does.
func escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('+')
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// parseForm reads an application/x-www-form-urlencoded body as url.ParseQuery does,
// failing where it fails (a ';' in a pair, a malformed escape).
func parseForm(s string) (map[string][]string, error) {
	form := map[string][]string{}
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if strings.Contains(pair, ";") {
			return nil, errors.New("invalid semicolon separator in query")
		}
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err := unescapeStrict(k)
		if err != nil {
			return nil, err
		}
		if v, err = unescapeStrict(v); err != nil {
			return nil, err
		}
		form[k] = append(form[k], v)
	}
	return form, nil
}

// encodeForm writes a form as url.Values.Encode does: keys sorted, values in order.
func encodeForm(form map[string][]string) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range form[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escape(k) + "=" + escape(v))
		}
	}
	return b.String()
}

// mediaType is a content type's media type, lower-cased, without parameters.
func mediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}
