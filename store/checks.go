package store

import (
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/weir-gateway/weir/store/schema"
)

// The checks below are Kong's typedefs (kong/db/schema/typedefs.lua) expressed as
// schema.Field.Check functions; their messages are Kong's.

var (
	utf8NameRe = regexp.MustCompile(`^[\p{L}\p{N}._~-]+$`)
	nameRe     = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)
	labelRe    = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?$`)
	pathRe     = regexp.MustCompile(`^/[A-Za-z0-9.\-_~/%:@!$&'()*+,;=]*$`)
	percentRe  = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)
)

func checkUUID(v any) string {
	if !schema.IsUUID(v.(string)) {
		return "expected a valid UUID"
	}
	return ""
}

// checkUTF8Name is Kong's utf8_name: entity names usable in URLs.
func checkUTF8Name(v any) string {
	s := v.(string)
	if !utf8NameRe.MatchString(s) {
		return "invalid value '" + s + "': the only accepted ascii characters are alphanumerics or ., -, _, and ~"
	}
	return ""
}

// checkName is Kong's name typedef, used for plugin (module) names.
func checkName(v any) string {
	s := v.(string)
	if !nameRe.MatchString(s) {
		return "invalid value '" + s + "': it must only contain alphanumeric and '., -, _, ~' characters"
	}
	return ""
}

func checkTag(v any) string {
	s := v.(string)
	for _, r := range s {
		if r == ',' || r == '/' || (r < 128 && (r < 32 || r == 127)) {
			return "invalid tag '" + s + "': expected printable ascii (except `,` and `/`) or valid utf-8 sequences"
		}
	}
	return ""
}

// checkHost is Kong's host typedef: a hostname or an IP, without a port.
func checkHost(v any) string {
	s := v.(string)
	if net.ParseIP(strings.Trim(s, "[]")) != nil {
		return ""
	}
	if h, p, err := net.SplitHostPort(s); err == nil && h != "" {
		if _, err := strconv.Atoi(p); err == nil {
			return "must not have a port"
		}
	}
	if !validHostname(s) {
		return "invalid value: " + s
	}
	return ""
}

func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if !labelRe.MatchString(label) {
			return false
		}
	}
	return true
}

// checkRouteHost is Kong's host_with_optional_port with the router's wildcard rule.
func checkRouteHost(v any) string {
	s := v.(string)
	host := s
	if h, p, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 65535 {
			return "invalid port number"
		}
		host = h
	}
	if net.ParseIP(host) != nil {
		return ""
	}
	if n := strings.Count(host, "*"); n > 1 {
		return "invalid wildcard: must have at most one wildcard"
	} else if n == 1 {
		if !strings.HasPrefix(host, "*.") && !strings.HasSuffix(host, ".*") {
			return "invalid wildcard: must be placed at leftmost or rightmost label"
		}
		host = strings.Replace(host, "*", "x", 1)
	}
	if !validHostname(host) {
		return "invalid value: " + s
	}
	return ""
}

// checkPath is Kong's path typedef (service paths, prefix route paths).
func checkPath(v any) string {
	s := v.(string)
	if !strings.HasPrefix(s, "/") {
		return "should start with: /"
	}
	if strings.Contains(s, "//") {
		return "must not have empty segments"
	}
	if !pathRe.MatchString(s) {
		return "invalid path: '" + s + "' (characters outside of the reserved list of RFC 3986 found)"
	}
	if raw := percentRe.ReplaceAllString(s, "___"); strings.Contains(raw, "%") {
		i := strings.Index(raw, "%")
		end := min(i+3, len(raw))
		return "invalid url-encoded value: '" + raw[i:end] + "'"
	}
	return ""
}

// checkRoutePath accepts a prefix path or a `~`-prefixed regex. Kong compiles route
// regexes with Rust's regex crate; Go's RE2 syntax is the closest available.
func checkRoutePath(v any) string {
	s := v.(string)
	if strings.HasPrefix(s, "~/") {
		if _, err := regexp.Compile(s[1:]); err != nil {
			return "invalid regex: '" + s[1:] + "' (" + err.Error() + ")"
		}
		return ""
	}
	if !strings.HasPrefix(s, "/") {
		return "should start with: / (fixed path) or ~/ (regex path)"
	}
	return checkPath(s)
}

func checkNoHostHeader(v any) string {
	for k := range v.(map[string]any) {
		if strings.EqualFold(k, "host") {
			return "cannot contain 'host' header, which must be specified in the 'hosts' attribute"
		}
	}
	return ""
}

func checkObject(v any) string {
	if _, ok := v.(map[string]any); !ok {
		return "expected a record"
	}
	return ""
}
