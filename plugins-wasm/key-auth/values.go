package main

import (
	"net/url"
	"strings"
)

// value is what one place of the request (a header, a query argument, a body field)
// holds under one key name, in the terms of Kong's Lua handler: nothing, one string,
// several values (a Lua table: a duplicate key), or something else (a bare `?apikey`
// flag, a JSON number) that is not a key but stops the search for that name.
type value struct {
	kind valueKind
	s    string
}

type valueKind int

const (
	absent valueKind = iota
	single
	multiple
	other
)

// fromList turns the values found under a name into a value.
func fromList(vals []string) value {
	switch len(vals) {
	case 0:
		return value{}
	case 1:
		return value{kind: single, s: vals[0]}
	}
	return value{kind: multiple}
}

// headerValue looks a key name up in the request headers. The name matches like
// ngx.req.get_headers() does: case-insensitively, with underscores read as dashes.
func headerValue(headers [][2]string, name string) value {
	want := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	var vals []string
	for _, h := range headers {
		if strings.ToLower(h[0]) == want {
			vals = append(vals, h[1])
		}
	}
	return fromList(vals)
}

// splitPath cuts a :path into path and raw query.
func splitPath(path string) (string, string) {
	p, q, _ := strings.Cut(path, "?")
	return p, q
}

// queryValue looks a key name up in a raw query string. `?apikey` with no `=` is a
// flag, not a key, as in ngx.req.get_uri_args().
func queryValue(rawQuery, name string) value {
	var vals []string
	flag := false
	for _, part := range strings.Split(rawQuery, "&") {
		k, v, hasValue := strings.Cut(part, "=")
		if unescape(k) != name {
			continue
		}
		if !hasValue {
			flag = true
			continue
		}
		vals = append(vals, unescape(v))
	}
	if len(vals) == 0 && flag {
		return value{kind: other}
	}
	if flag {
		return value{kind: multiple}
	}
	return fromList(vals)
}

// withoutQueryArg returns path with every query argument called name removed, the
// others kept byte for byte.
func withoutQueryArg(path, name string) string {
	p, rawQuery := splitPath(path)
	if rawQuery == "" {
		return path
	}
	var kept []string
	for _, part := range strings.Split(rawQuery, "&") {
		k, _, _ := strings.Cut(part, "=")
		if unescape(k) != name {
			kept = append(kept, part)
		}
	}
	if len(kept) == 0 {
		return p
	}
	return p + "?" + strings.Join(kept, "&")
}

// unescape decodes one query component, keeping it as is when it is malformed.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
