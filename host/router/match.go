package router

import (
	"fmt"
	"regexp"
	"strings"
)

// hostMatcher is one entry of a route's hosts: plain, with a port, or with a wildcard
// as its leftmost or rightmost label.
type hostMatcher struct {
	host     string // without port; for wildcards, the fixed part with its dot
	port     string // "" when the entry has none (any port matches)
	wildcard bool
	suffix   bool // "*.example.com": match on suffix; else "example.*": on prefix
}

func newHostMatcher(entry string) hostMatcher {
	host, port := splitHostPort(entry)
	switch {
	case strings.HasPrefix(host, "*"):
		return hostMatcher{host: host[1:], port: port, wildcard: true, suffix: true}
	case strings.HasSuffix(host, "*"):
		return hostMatcher{host: host[:len(host)-1], port: port, wildcard: true}
	}
	return hostMatcher{host: host, port: port}
}

func matchAnyHost(hosts []hostMatcher, reqHost, scheme string) bool {
	host, port := splitHostPort(reqHost)
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	for _, h := range hosts {
		if h.port != "" && h.port != port {
			continue
		}
		switch {
		case !h.wildcard:
			if host == h.host {
				return true
			}
		case h.suffix:
			if len(host) > len(h.host) && strings.HasSuffix(host, h.host) {
				return true
			}
		default:
			if len(host) > len(h.host) && strings.HasPrefix(host, h.host) {
				return true
			}
		}
	}
	return false
}

// splitHostPort splits "host:port", leaving IPv6 literals in brackets whole.
func splitHostPort(s string) (host, port string) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.HasSuffix(s, "]") {
		return s, ""
	}
	return s[:i], s[i+1:]
}

// headerMatcher is one entry of a route's headers: any of the values, compared
// lower-cased, or a single "~*regex" value.
type headerMatcher struct {
	name   string
	values map[string]bool
	regex  *regexp.Regexp
}

func newHeaderMatcher(name string, values []string) (headerMatcher, error) {
	hm := headerMatcher{name: strings.ToLower(name)}
	if len(values) == 1 && strings.HasPrefix(values[0], "~*") {
		re, err := regexp.Compile(values[0][2:])
		if err != nil {
			return hm, fmt.Errorf("header %s: %w", name, err)
		}
		hm.regex = re
		return hm, nil
	}
	hm.values = make(map[string]bool, len(values))
	for _, v := range values {
		hm.values[strings.ToLower(v)] = true
	}
	return hm, nil
}

func (h *headerMatcher) match(got []string) bool {
	for _, v := range got {
		v = strings.ToLower(v)
		if h.regex != nil && h.regex.MatchString(v) || h.values[v] {
			return true
		}
	}
	return false
}

// matchAnySNI: the server name, without a trailing dot, equals an entry or fits a
// wildcard entry.
func matchAnySNI(snis []hostMatcher, sni string) bool {
	sni = strings.TrimSuffix(sni, ".")
	for _, h := range snis {
		switch {
		case !h.wildcard:
			if sni == h.host {
				return true
			}
		case h.suffix:
			if len(sni) > len(h.host) && strings.HasSuffix(sni, h.host) {
				return true
			}
		default:
			if len(sni) > len(h.host) && strings.HasPrefix(sni, h.host) {
				return true
			}
		}
	}
	return false
}
