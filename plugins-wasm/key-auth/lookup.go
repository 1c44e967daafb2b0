package main

// Kong's messages for a failed key-auth.
const (
	msgNoKey      = "No API key found in request"
	msgDuplicate  = "Duplicate API key found"
	msgBadKey     = "Unauthorized"
	msgUnexpected = "An unexpected error occurred"
)

// found is the result of the key search.
type found struct {
	name     string // the key name that matched
	key      string
	fail     string // a 401 message when no usable key was found
	needBody bool   // the body must be read before the search can end
}

// findKey searches the request for the key as Kong does: for each key name in order,
// the header (key_in_header), then the query string (key_in_query), then the body
// (key_in_body). The first name holding anything ends the search: one string is the
// key; several values are a duplicate. b is nil while the body has not arrived; the
// search then stops at the first name that needs it.
func (c config) findKey(headers [][2]string, rawQuery string, b *body) found {
	for _, name := range c.KeyNames {
		var v value
		if c.KeyInHeader {
			v = headerValue(headers, name)
		}
		if v.kind == absent && c.KeyInQuery {
			v = queryValue(rawQuery, name)
		}
		if v.kind == absent && c.KeyInBody {
			if b == nil {
				return found{needBody: true}
			}
			v = b.field(name)
		}
		switch v.kind {
		case multiple:
			return found{fail: msgDuplicate}
		case single:
			if v.s == "" {
				return found{fail: msgNoKey}
			}
			return found{name: name, key: v.s}
		}
	}
	return found{fail: msgNoKey}
}
