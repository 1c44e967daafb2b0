package cors

import (
	"regexp"
	"strings"
)

// origin is a configured origin or a request's Origin, normalised as Kong does with
// LuaSocket's url.parse: domain is scheme://host[:port] without a default port (the
// text itself when it has no host), host the host alone.
type origin struct {
	domain, host string
}

func normalize(s string) origin {
	rest := s
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	scheme := ""
	if i := strings.IndexByte(rest, ':'); i > 0 && isScheme(rest[:i]) {
		scheme, rest = rest[:i], rest[i+1:]
	}
	if !strings.HasPrefix(rest, "//") {
		return origin{domain: s, host: s}
	}
	authority := rest[2:]
	if i := strings.IndexByte(authority, '/'); i >= 0 {
		authority = authority[:i]
	}
	if i := strings.IndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	port := ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.ContainsAny(authority[i+1:], "]") {
		authority, port = authority[:i], authority[i+1:]
	}
	if authority == "" {
		return origin{domain: s, host: s}
	}
	host := authority
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") && len(host) > 2 {
		host = host[1 : len(host)-1]
	}
	if scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		port = ""
	}
	d := host
	if scheme != "" {
		d = scheme + "://" + host
	}
	if port != "" {
		d += ":" + port
	}
	return origin{domain: d, host: host}
}

// isScheme matches LuaSocket's scheme pattern: a letter or digit, then letters,
// digits, '+', '-' or '.'.
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '+' && c != '-' && c != '.') {
			return false
		}
	}
	return s != ""
}

// literalChars says whether s has only the characters Kong reads as a plain origin
// (letters, digits, '.', ':', '/', '-'); anything else makes it a regex.
func literalChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == ':' || c == '/' || c == '-') {
			return false
		}
	}
	return s != ""
}

// allowed is one configured origin ready for matching.
type allowed struct {
	re     *regexp.Regexp // nil for a plain origin
	plain  origin
	byHost bool // compare the request's host alone (the entry has no ':')
}

// compileOrigin prepares an entry as Kong does: a regex is anchored at the start (as
// PCRE's anchored flag does) and gets a trailing '$' unless it has one.
func compileOrigin(entry string) (allowed, error) {
	a := allowed{byHost: !strings.Contains(entry, ":")}
	if literalChars(entry) {
		a.plain = normalize(entry)
		return a, nil
	}
	pat := strings.TrimPrefix(entry, "^")
	if !strings.HasSuffix(pat, "$") {
		pat += "$"
	}
	re, err := regexp.Compile("^(?:" + pat + ")")
	a.re = re
	return a, err
}

// match says whether a normalised request origin is this entry.
func (a allowed) match(o origin) bool {
	if a.re == nil {
		return o.domain == a.plain.domain
	}
	if a.byHost {
		return a.re.MatchString(o.host)
	}
	return a.re.MatchString(o.domain)
}
