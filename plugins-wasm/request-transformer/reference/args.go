package main

import (
	"slices"
	"strings"

	"github.com/weir-gateway/weir/sdk/weir"
)

// args is a query or form as Kong's PDK holds it: a name's value is a string, true
// (a flag written without '='), or a list.
type args map[string]value

func parseArgs(raw string) args {
	out := args{}
	for _, a := range weir.Query(raw).Args() {
		v := str(a.Value)
		if a.Flag {
			v = value{set: true, flag: true}
		}
		switch old := out[a.Name]; {
		case !old.set:
			out[a.Name] = v
		case old.list != nil:
			out[a.Name] = value{set: true, list: append(old.list, v)}
		default:
			out[a.Name] = value{set: true, list: []value{old, v}}
		}
	}
	return out
}

// appendValue is Kong's append_value: a string becomes a list of it and the new
// value, a list grows, anything else (nil, a flag) is replaced by a list of the value.
func appendValue(old, v value) value {
	switch {
	case old.list != nil:
		return value{set: true, list: append(append([]value(nil), old.list...), v)}
	case old.set && !old.flag:
		return value{set: true, list: []value{old, v}}
	}
	return value{set: true, list: []value{v}}
}

// namespace reads the table from a template.
func (a args) namespace(key string) value { return a[key] }

// encode writes the table as Kong's set_query does: each name's arguments (a flag
// bare, a list as repeated arguments) escaped as ngx.encode_args does, the names'
// pieces sorted.
func (a args) encode() string {
	pieces := make([]string, 0, len(a))
	var scratch [128]byte // most arguments fit: one allocation per piece, its string
	buf := scratch[:0]
	for name, v := range a {
		buf = buf[:0]
		if v.list == nil {
			buf = appendArg(buf, name, v)
		}
		for _, e := range v.list {
			buf = appendArg(buf, name, e)
		}
		if len(buf) > 0 {
			pieces = append(pieces, string(buf))
		}
	}
	slices.Sort(pieces)
	return strings.Join(pieces, "&")
}

// appendArg appends one argument ('&' first unless buf is empty): a flag bare, a
// string as name=value, nil not at all.
func appendArg(buf []byte, name string, e value) []byte {
	if !e.flag && !e.set {
		return buf
	}
	if len(buf) > 0 {
		buf = append(buf, '&')
	}
	buf = appendURIComponent(buf, name)
	if e.flag {
		return buf
	}
	return appendURIComponent(append(buf, '='), e.s)
}

// appendURIComponent appends s escaped as weir.EscapeURIComponent escapes it, without
// building a string per component.
func appendURIComponent(buf []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			buf = append(buf, c)
			continue
		}
		buf = append(buf, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return buf
}
