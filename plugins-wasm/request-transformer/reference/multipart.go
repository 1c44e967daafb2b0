package main

import (
	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
	"strings"
)

// part is one field of a multipart/form-data body: its header lines as they came
// and its value.
type part struct {
	name    string
	headers []string
	value   string
}

// boundary reads the boundary parameter of a multipart content type.
func boundary(contentType string) string {
	for _, p := range strings.Split(contentType, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(k, "boundary") {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// parseMultipart splits a body into its parts; ok is false when it is not one.
func parseMultipart(body, b string) ([]part, bool) {
	delim := "--" + b
	if b == "" || !strings.HasPrefix(body, delim) {
		return nil, false
	}
	var parts []part
	for _, chunk := range strings.Split(body[len(delim):], "\r\n"+delim)[0:] {
		if strings.HasPrefix(chunk, "--") {
			break // the closing delimiter
		}
		chunk = strings.TrimPrefix(chunk, "\r\n")
		head, value, found := strings.Cut(chunk, "\r\n\r\n")
		if !found {
			return nil, false
		}
		p := part{headers: strings.Split(head, "\r\n"), value: value}
		for _, h := range p.headers {
			if k, v, _ := strings.Cut(h, ":"); strings.EqualFold(strings.TrimSpace(k), "content-disposition") {
				p.name = dispositionName(v)
			}
		}
		parts = append(parts, p)
	}
	return parts, true
}

func dispositionName(v string) string {
	for _, p := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(k, "name") {
			return strings.Trim(val, `"`)
		}
	}
	return ""
}

// simple is a part as lua-multipart's set_simple writes it.
func simple(name, value string) part {
	return part{name: name, headers: []string{`Content-Disposition: form-data; name="` + name + `"`}, value: value}
}

func encodeMultipart(parts []part, b string) string {
	var s strings.Builder
	for _, p := range parts {
		s.WriteString("--" + b + "\r\n")
		for _, h := range p.headers {
			s.WriteString(h + "\r\n")
		}
		s.WriteString("\r\n" + p.value + "\r\n")
	}
	s.WriteString("--" + b + "--\r\n")
	return s.String()
}

func find(parts []part, name string) int {
	for i, p := range parts {
		if p.name == name {
			return i
		}
	}
	return -1
}

// transformMultipart runs Kong's multipart operations, in its order for this body
// type: rename, remove, replace, add (append does not apply). A replaced field moves
// to the end, as Kong deletes it and sets it again.
func (x *exchange) transformMultipart(raw []byte, contentType string) ([]byte, bool, error) {
	b := boundary(contentType)
	var parts []part
	if len(raw) > 0 {
		var ok bool
		if parts, ok = parseMultipart(string(raw), b); !ok {
			return nil, false, nil
		}
	}
	c, full, changed := x.c, len(raw) > 0, false
	del := func(name string) {
		if i := find(parts, name); i >= 0 {
			parts = append(parts[:i], parts[i+1:]...)
		}
	}
	set := func(name, value string) {
		if i := find(parts, name); i >= 0 {
			parts[i] = simple(name, value)
		} else {
			parts = append(parts, simple(name, value))
		}
	}
	if full {
		for _, e := range c.Rename.Body {
			if old, to := kongjson.Split(e); find(parts, old) >= 0 && old != to {
				v := parts[find(parts, old)].value
				set(to, v)
				del(old)
				changed = true
			}
		}
		for _, e := range c.Remove.Body {
			name, _ := kongjson.Split(e)
			del(name)
			changed = true
		}
		for _, e := range c.Replace.Body {
			name, tmpl := kongjson.Split(e)
			v, err := x.render(tmpl)
			if err != nil {
				return nil, false, err
			}
			if find(parts, name) >= 0 {
				del(name)
				set(name, v)
				changed = true
			}
		}
	}
	for _, e := range c.Add.Body {
		name, tmpl := kongjson.Split(e)
		v, err := x.render(tmpl)
		if err != nil {
			return nil, false, err
		}
		if find(parts, name) < 0 {
			set(name, v)
			changed = true
		}
	}
	if !changed {
		return nil, false, nil
	}
	return []byte(encodeMultipart(parts, b)), true, nil
}
