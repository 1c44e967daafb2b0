package weir

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The foreign functions an auth plugin calls on every request speak JSON. Go's
// encoding/json works by reflection, which in a wasm guest is slow: decoding a
// credential and its consumer took about 40 µs (ten times native). So these calls
// build their arguments and read their results with the small code below; a result
// it does not understand goes to encoding/json instead, so it can only be faster,
// never wrong.

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	clean := 0 // s[clean:i] needs no escaping: it is appended in one piece
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size // valid UTF-8 is written as it is
				continue
			}
		}
		b = append(b, s[clean:i]...)
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			b = append(b, `\ufffd`...) // invalid UTF-8, as encoding/json writes it
		}
		i++
		clean = i
	}
	b = append(b, s[clean:]...)
	return append(b, '"')
}

// appendField appends `"name":` and the string value, with a leading comma unless it
// opens the object.
func appendField(b []byte, name, value string) []byte {
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = appendString(b, name)
	b = append(b, ':')
	return appendString(b, value)
}

// object reads the members of a JSON object: each name with its raw value. ok is false
// for anything that is not a well-formed object.
func object(b []byte) (members map[string][]byte, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	members = map[string][]byte{}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return members, skipSpace(b, i+1) == len(b)
	}
	for {
		end, ok := skipString(b, i)
		if !ok {
			return nil, false
		}
		name, ok := unquote(b[i:end])
		if !ok || !lowerASCII(name) {
			return nil, false // encoding/json matches names case-insensitively: let it
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		vend, ok := skipValue(b, i)
		if !ok {
			return nil, false
		}
		members[name] = b[i:vend]
		i = skipSpace(b, vend)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return members, skipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

// lowerASCII says whether a member name has no upper-case or non-ASCII letter, the
// names whose match encoding/json's case folding cannot change.
func lowerASCII(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at i.
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{' || c == '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, ok := skipString(b, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	default: // a number, true, false or null
		start := i
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\t' && b[i] != '\r' {
			i++
		}
		return i, i > start
	}
}

// skipString returns the end of the JSON string starting at i (after its quote).
func skipString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// unquote decodes a raw JSON string value.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	plain := true
	for _, c := range s {
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(s), true
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < 0x20:
			return "", false
		case c != '\\':
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false // encoding/json would replace it: let it
			}
			out = append(out, s[i:i+size]...)
			i += size
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return "", false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2, ok = hex4(s, i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return "", false
		}
		i += 2
	}
	return string(out), true
}

func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(s[i:i+4]), 16, 16)
	return rune(n), err == nil
}

// optString reads a string member that may be null or absent (nil).
func optString(m map[string][]byte, name string) (*string, bool) {
	raw, present := m[name]
	if !present || string(raw) == "null" {
		return nil, true
	}
	s, ok := unquote(raw)
	return &s, ok
}

// stringList reads an array of strings, or null.
func stringList(raw []byte) ([]string, bool) {
	if raw == nil || string(raw) == "null" {
		return nil, true
	}
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	out := []string{}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return out, true
	}
	for {
		end, ok := skipString(raw, i)
		if !ok {
			return nil, false
		}
		s, ok := unquote(raw[i:end])
		if !ok {
			return nil, false
		}
		out = append(out, s)
		i = skipSpace(raw, end)
		if i >= len(raw) {
			return nil, false
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case ']':
			return out, true
		default:
			return nil, false
		}
	}
}

// decodeConsumer reads a consumer entity (nil for null).
func decodeConsumer(raw []byte) (*Consumer, bool) {
	if string(raw) == "null" {
		return nil, true
	}
	m, ok := object(raw)
	if !ok {
		return nil, false
	}
	c := &Consumer{}
	var ok1, ok2, ok3, ok4 bool
	c.ID, ok1 = unquote(m["id"])
	c.Username, ok2 = optString(m, "username")
	c.CustomID, ok3 = optString(m, "custom_id")
	c.Tags, ok4 = stringList(m["tags"])
	return c, ok1 && ok2 && ok3 && ok4
}

// decodeCredential reads a credential entity (nil for null), keeping it whole in Raw.
func decodeCredential(raw []byte) (*Credential, bool) {
	if string(raw) == "null" {
		return nil, true
	}
	m, ok := object(raw)
	if !ok {
		return nil, false
	}
	c := &Credential{Raw: append([]byte(nil), raw...)}
	if c.ID, ok = unquote(m["id"]); !ok {
		return nil, false
	}
	if ref, present := m["consumer"]; present && string(ref) != "null" {
		rm, ok := object(ref)
		if !ok {
			return nil, false
		}
		id, ok := unquote(rm["id"])
		if !ok {
			return nil, false
		}
		c.Consumer = &struct {
			ID string `json:"id"`
		}{id}
	}
	return c, true
}

// decodeFound reads a {"found":..., "credential":..., "consumer":...} result; absent
// entities stay nil.
func decodeFound(b []byte) (found bool, cred *Credential, consumer *Consumer, ok bool) {
	m, ok := object(b)
	if !ok {
		return false, nil, nil, false
	}
	switch string(m["found"]) {
	case "true":
		found = true
	case "false", "":
	default:
		return false, nil, nil, false
	}
	if raw, present := m["credential"]; present {
		if cred, ok = decodeCredential(raw); !ok {
			return false, nil, nil, false
		}
	}
	if raw, present := m["consumer"]; present {
		if consumer, ok = decodeConsumer(raw); !ok {
			return false, nil, nil, false
		}
	}
	return found, cred, consumer, true
}
