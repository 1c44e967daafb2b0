package router

import "strings"

// UpstreamPath builds the path sent upstream with Kong's path_handling v0 rules: the
// service path and the rest of the request path are joined with exactly one slash; an
// empty rest leaves the service path without a trailing slash, a rest of "/" keeps one.
// With strip_path the rest is what follows the matched route path; otherwise (or for a
// route without paths) it is the whole normalized request path. query is the raw query
// ("" for none) and is re-appended.
func UpstreamPath(servicePath string, m *Match, stripPath bool, requestPath, query string) string {
	base := servicePath
	if base == "" {
		base = "/"
	}
	rest := strings.TrimPrefix(NormalizePath(requestPath), "/")
	if stripPath && m.MatchedPath != "" {
		rest = trimDotPrefix(m.Postfix)
	}
	var p string
	switch rest {
	case "":
		p = base
		if p != "/" {
			p = strings.TrimSuffix(p, "/")
		}
	case "/":
		p = strings.TrimSuffix(base, "/") + "/"
	default:
		p = strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(rest, "/")
	}
	if query != "" {
		p += "?" + query
	}
	return p
}

func trimDotPrefix(s string) string {
	for {
		switch {
		case strings.HasPrefix(s, "./"):
			s = s[2:]
		case strings.HasPrefix(s, "../"):
			s = s[3:]
		case s == "." || s == "..":
			return ""
		default:
			return s
		}
	}
}
