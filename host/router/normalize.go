package router

import (
	"strings"
)

// NormalizePath turns a request path into the form routes are matched against, as Kong
// does before matching: the query is dropped, percent-escapes of unreserved characters
// are decoded (reserved ones are kept, upper-cased), dot segments are resolved and
// repeated slashes merged. It never fails: a bad escape is kept as it was.
func NormalizePath(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	if !strings.Contains(raw, "%") && !strings.Contains(raw, "//") && !strings.Contains(raw, "/.") {
		return raw // the common case: already normal, no allocation
	}
	return resolveDots(decodeUnreserved(raw))
}

// decodeUnreserved decodes %XX escapes of RFC 3986 unreserved characters and upper-cases
// the hex digits of every other escape.
func decodeUnreserved(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' || i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			b.WriteByte(c)
			continue
		}
		decoded := unhex(s[i+1])<<4 | unhex(s[i+2])
		if isUnreserved(decoded) {
			b.WriteByte(decoded)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(s[i+1 : i+3]))
		}
		i += 2
	}
	return b.String()
}

// resolveDots removes "." and ".." segments and merges empty segments, keeping a
// trailing slash.
func resolveDots(p string) string {
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case "", ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 && !(len(out) == 1 && out[0] == "") {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	res := "/" + strings.Join(out, "/")
	return res
}

func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
