package router

import "strings"

// UpstreamPath builds the path sent upstream with Kong's path_handling rules ("v0",
// the default, or "v1"). With strip_path the rest is what follows the matched route path;
// otherwise (or for a route without paths) it is the whole normalized request path
// without its leading slash. query is the raw query ("" for none) and is re-appended.
func UpstreamPath(servicePath string, m *Match, stripPath bool, pathHandling, requestPath, query string) string {
	base := servicePath
	if base == "" {
		base = "/"
	}
	rest := strings.TrimPrefix(NormalizePath(requestPath), "/")
	if stripPath && m.MatchedPath != "" {
		rest = trimDotPrefix(m.Postfix)
	}
	var p string
	if pathHandling == "v1" {
		p = joinV1(base, rest)
	} else {
		p = joinV0(base, rest)
	}
	if query != "" {
		p += "?" + query
	}
	return p
}

// joinV1 is path_handling v1: plain concatenation, dropping only a doubled slash.
func joinV1(base, rest string) string {
	if strings.HasSuffix(base, "/") && strings.HasPrefix(rest, "/") {
		return base + rest[1:]
	}
	return base + rest
}

// joinV0 is path_handling v0: the service path and the rest are joined with exactly one
// slash; an empty rest leaves the service path without a trailing slash, a rest of "/"
// keeps one.
func joinV0(base, rest string) string {
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
