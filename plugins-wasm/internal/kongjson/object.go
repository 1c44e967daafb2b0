package kongjson

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Object is a JSON object's top-level members, for editing them and writing the
// object back as Encode writes a map[string]json.RawMessage: keys sorted, values
// compacted, no HTML escaping.
//
// ParseObject reads the common document (plain ASCII keys, moderate nesting) in one
// pass without encoding/json, whose reflection costs a wasm guest about ten times
// what it costs natively; anything else goes through encoding/json, so both paths
// accept the same documents.
type Object struct {
	members []member // sorted by key, keys unique
}

// member is one field: its decoded key and its value as JSON text (not compacted).
type member struct {
	key string
	val []byte
}

// maxFastDepth bounds the nesting the fast path follows; deeper documents go to
// encoding/json, which has its own limit.
const maxFastDepth = 512

// ParseObject reads a JSON object (whitespace around it allowed). ok is false when b
// is not one (invalid JSON, another type, null). The Object refers to b: b must not
// change while it is in use.
func ParseObject(b []byte) (obj Object, ok bool) {
	if members, plain := scanObject(b); plain {
		return Object{members: members}, true
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil || m == nil {
		return Object{}, false
	}
	members := make([]member, 0, len(m))
	for k, v := range m {
		members = append(members, member{key: k, val: v})
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	return Object{members: members}, true
}

// Len is the number of members.
func (o *Object) Len() int { return len(o.members) }

// find is the index of key, or where it would be inserted.
func (o *Object) find(key string) (int, bool) {
	return slices.BinarySearchFunc(o.members, key, func(m member, k string) int { return strings.Compare(m.key, k) })
}

// Get returns the JSON text of a member.
func (o *Object) Get(key string) ([]byte, bool) {
	if i, ok := o.find(key); ok {
		return o.members[i].val, true
	}
	return nil, false
}

// Set adds or replaces a member; v must be valid JSON text.
func (o *Object) Set(key string, v []byte) {
	i, ok := o.find(key)
	if ok {
		o.members[i].val = v
		return
	}
	o.members = slices.Insert(o.members, i, member{key: key, val: v})
}

// Delete removes a member if present.
func (o *Object) Delete(key string) {
	if i, ok := o.find(key); ok {
		o.members = slices.Delete(o.members, i, i+1)
	}
}

// AppendJSON appends the object as Encode(map[string]json.RawMessage) writes it.
func (o *Object) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for i, m := range o.members {
		if i > 0 {
			dst = append(dst, ',')
		}
		if plainKey(m.key) {
			dst = append(dst, '"')
			dst = append(dst, m.key...)
			dst = append(dst, '"')
		} else {
			dst = append(dst, Encode(m.key)...)
		}
		dst = append(dst, ':')
		dst = appendCompact(dst, m.val)
	}
	return append(dst, '}')
}

// plainKey says whether a key is written as it is between quotes: printable ASCII
// without '"' or '\'.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendCompact appends valid JSON text without the whitespace outside its strings,
// as json.Compact does (without HTML escaping).
func appendCompact(dst, v []byte) []byte {
	inString := false
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case isSpace(c):
			dst = append(dst, v[start:i]...)
			start = i + 1
		}
	}
	return append(dst, v[start:]...)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// scanObject is the fast path of ParseObject: plain is false when b is not a valid
// object with plain keys within maxFastDepth (the caller then asks encoding/json).
func scanObject(b []byte) (members []member, plain bool) {
	s := scanner{b: b}
	s.space()
	if !s.next('{') {
		return nil, false
	}
	s.space()
	if !s.next('}') {
		members = make([]member, 0, 8)
		for {
			key, ok := s.key()
			if !ok {
				return nil, false
			}
			s.space()
			if !s.next(':') {
				return nil, false
			}
			s.space()
			start := s.i
			if !s.value(1) {
				return nil, false
			}
			members = append(members, member{key: key, val: b[start:s.i:s.i]})
			s.space()
			if s.next('}') {
				break
			}
			if !s.next(',') {
				return nil, false
			}
			s.space()
		}
	}
	s.space()
	if s.i != len(b) {
		return nil, false
	}
	return sortUnique(members), true
}

// sortUnique sorts members by key; of a repeated key the last one stays, as in
// encoding/json's map.
func sortUnique(members []member) []member {
	slices.SortStableFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	out := members[:0]
	for i, m := range members {
		if i+1 < len(members) && members[i+1].key == m.key {
			continue
		}
		out = append(out, m)
	}
	return out
}

// scanner validates JSON text as encoding/json's scanner does (bytes of strings are
// not checked for UTF-8).
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

func (s *scanner) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// key reads a plain member name; it aliases the document.
func (s *scanner) key() (string, bool) {
	if !s.next('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			k := s.b[start:s.i]
			s.i++
			return unsafe.String(unsafe.SliceData(k), len(k)), true
		}
		if c < 0x20 || c > 0x7e || c == '\\' {
			return "", false
		}
		s.i++
	}
	return "", false
}

// value skips one value, at nesting depth.
func (s *scanner) value(depth int) bool {
	if s.i >= len(s.b) || depth > maxFastDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		return s.array(depth)
	case c == '"':
		return s.str()
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return false
}

func (s *scanner) object(depth int) bool {
	s.i++
	s.space()
	if s.next('}') {
		return true
	}
	for {
		s.space()
		if !s.str() {
			return false
		}
		s.space()
		if !s.next(':') {
			return false
		}
		s.space()
		if !s.value(depth + 1) {
			return false
		}
		s.space()
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

func (s *scanner) array(depth int) bool {
	s.i++
	s.space()
	if s.next(']') {
		return true
	}
	for {
		s.space()
		if !s.value(depth + 1) {
			return false
		}
		s.space()
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// str skips a string: no control characters, valid escapes.
func (s *scanner) str() bool {
	if !s.next('"') {
		return false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if s.i >= len(s.b) {
				return false
			}
			e := s.b[s.i]
			s.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for range 4 {
					if s.i >= len(s.b) || !isHex(s.b[s.i]) {
						return false
					}
					s.i++
				}
			default:
				return false
			}
		}
	}
	return false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// number skips -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	s.next('-')
	switch {
	case s.next('0'):
	case s.i < len(s.b) && '1' <= s.b[s.i] && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.next('.') && !s.digits() {
		return false
	}
	if s.next('e') || s.next('E') {
		if !s.next('+') {
			s.next('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits skips one or more digits.
func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

func (s *scanner) literal(word string) bool {
	if len(s.b)-s.i < len(word) {
		return false
	}
	for j := 0; j < len(word); j++ {
		if s.b[s.i+j] != word[j] {
			return false
		}
	}
	s.i += len(word)
	return true
}

// AppendString appends s as a JSON string, as Encode(s) writes it (no HTML escaping;
// invalid UTF-8 as U+FFFD; U+2028 and U+2029 escaped), without encoding/json.
func AppendString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&15])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
