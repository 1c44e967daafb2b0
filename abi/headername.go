package abi

import (
	"encoding/binary"
	"strings"
	"unsafe"
)

// commonHeaders are header names common enough on the proxy path, or written by
// weir's built-in plugins on every request, that their lower-case strings are kept (a
// key read from a guest or copied from a front end then costs no allocation), and
// their wire forms too: the plain ones, then those of spellings.
var commonHeaders = func() []string {
	names := []string{"accept", "accept-encoding", "accept-language", "authorization",
		"cache-control", "connection", "content-encoding", "content-length", "content-type",
		"cookie", "date", "expires", "host", "if-modified-since", "if-none-match",
		"keep-alive", "last-modified", "location", "origin", "pragma", "referer", "server",
		"set-cookie", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
		"x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto",
		"x-forwarded-path", "x-forwarded-prefix", "x-kong-upstream-latency",
		"x-kong-proxy-latency", "x-kong-response-latency", "x-real-ip", "x-request-id", "apikey",
		":method", ":path", ":authority", ":scheme", ":status",
		"x-consumer-username", "x-credential-identifier",
		"x-anonymous-consumer", "x-consumer-groups", "x-kong-request-id", "retry-after"}
	for _, w := range spellings {
		names = append(names, strings.ToLower(w))
	}
	return names
}()

// spellings are the wire forms of the common names whose usual spelling is not the
// plain one (a capital after each '-'): as Kong's plugins and the HTTP specifications
// write them, so that weir's responses read as Kong's do.
var spellings = func() []string {
	s := []string{"WWW-Authenticate", "ETag", "X-Consumer-ID", "X-Consumer-Custom-ID",
		"Kong-Request-ID", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}
	for _, p := range []string{"Second", "Minute", "Hour", "Day", "Month", "Year"} {
		s = append(s, "X-RateLimit-Limit-"+p, "X-RateLimit-Remaining-"+p)
	}
	return s
}()

// spelled maps each of spellings' lower-case names to its wire form.
var spelled = func() map[string]string {
	m := make(map[string]string, len(spellings))
	for _, w := range spellings {
		m[strings.ToLower(w)] = w
	}
	return m
}()

// commonName is one common name in both its forms.
type commonName struct {
	lower, wire string
	// shared: another common name hashes to the same slot and sits in
	// commonOverflow.
	shared bool
}

// commonText holds the lower-case forms of the common names back to back, and the
// lower string of every commonName is a slice of it: a name the gateway holds in that
// form (HeaderName's answers, CommonName's) is then told by where its bytes are
// (interned), which costs less than hashing it and comparing it with a slot's.
// commonAt maps an offset into commonText to 1 + the index in commonNames of the name
// that starts there (0: none starts there).
var commonText, commonNames, commonAt = func() (text string, names []commonName, at []uint8) {
	text = strings.Join(commonHeaders, "")
	at = make([]uint8, len(text))
	off := 0
	for i, n := range commonHeaders {
		lower := text[off : off+len(n)]
		wire, ok := spelled[n]
		if !ok {
			wire = string(appendWireName(nil, n))
		}
		names = append(names, commonName{lower: lower, wire: wire})
		at[off] = uint8(i + 1)
		off += len(n)
	}
	if len(names) > 255 {
		panic("abi: more common header names than commonAt can index")
	}
	return text, names, at
}()

// commonSlots finds a common name in a few instructions: a request looks names up
// tens of times, and a Go map's hashing cost more than the rest of each lookup. A
// name whose slot is taken goes to commonOverflow.
var commonSlots, commonOverflow = func() (slots [1024]commonName, overflow map[string]*commonName) {
	overflow = map[string]*commonName{}
	for i := range commonNames {
		c := commonNames[i]
		s := &slots[slotOf(c.lower)]
		if s.lower == "" {
			*s = c
			continue
		}
		s.shared = true
		overflow[c.lower] = &commonNames[i]
	}
	return slots, overflow
}()

// interned is the common name whose gateway-kept string name is (a slice of
// commonText, as HeaderName and CommonName answer); nil for any other string, even
// one with the same bytes. It reads only the string's address and length.
func interned(name string) *commonName {
	off := uintptr(unsafe.Pointer(unsafe.StringData(name))) - uintptr(unsafe.Pointer(unsafe.StringData(commonText)))
	if off >= uintptr(len(commonText)) || commonAt[off] == 0 {
		return nil
	}
	if c := &commonNames[commonAt[off]-1]; len(c.lower) == len(name) {
		return c
	}
	return nil
}

// CommonName is the gateway's own string for a common lower-case header name, one
// AppendWireName writes without looking it up; name itself when it is not common.
// Tables of names the gateway sets on every request keep theirs in this form.
func CommonName(name string) string {
	if c := common(name); c != nil {
		return c.lower
	}
	return name
}

// slotOf hashes a name's length and three of its bytes into commonSlots
// (Fibonacci hashing: the product's top bits). The bytes are folded to lower case
// (| 0x20, which leaves the digits, '-' and ':' of the common names as they are), so
// a name in its wire form hashes to the slot of its lower-case form.
func slotOf(name string) uint32 {
	n := len(name)
	if n == 0 {
		return 0
	}
	h := (uint32(n) | uint32(name[0]|0x20)<<8 | uint32(name[n-1]|0x20)<<16 | uint32(name[n/2]|0x20)<<24) * 0x9E3779B1
	return h >> 22
}

// common finds a lower-case name among the common ones; nil when it is not one.
func common(name string) *commonName {
	s := &commonSlots[slotOf(name)]
	if s.lower == name {
		return s
	}
	if !s.shared {
		return nil
	}
	return commonOverflow[name]
}

// HeaderName is name with ASCII letters lower-cased, as header-map keys are kept (and
// as Envoy presents them to plugins), without allocating for a common name.
func HeaderName(name []byte) string {
	return (*nameCache)(nil).name(name)
}

// maxCachedNames bounds the uncommon names an instance keeps (nameCache).
const maxCachedNames = 128

// nameCache keeps the lower-case strings of the uncommon header names a guest used,
// so that a plugin that sets or removes its own header on every request (x-served-by)
// costs no allocation for the name after the first time. A nil cache keeps nothing.
type nameCache struct {
	names map[string]string
}

// name is HeaderName, looking an uncommon name up in c, and keeping it there when
// there is room.
func (c *nameCache) name(name []byte) string {
	// a common name in lower case (as weir's built-ins send theirs) or in its wire form
	// (as HTTP/1.1 clients and servers send theirs) is found without a copy, compared
	// with the one form its first letter says it may be in
	raw := unsafe.String(unsafe.SliceData(name), len(name))
	s := &commonSlots[slotOf(raw)]
	form := s.lower
	if raw != "" && 'A' <= raw[0] && raw[0] <= 'Z' {
		form = s.wire
	}
	if form == raw {
		return s.lower
	}
	if s.shared {
		if c := commonOverflow[raw]; c != nil {
			return c.lower
		}
	}
	if !HasUpperASCII(raw) {
		// lower-case already, so not a common name: the slot and the overflow where
		// it would be were just looked at (as the built-ins send their own names)
		return c.keep(name)
	}
	var buf [64]byte
	if len(name) > len(buf) {
		return LowerASCII(string(name))
	}
	b := buf[:len(name)]
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	// no allocation for this lookup: the conversion is not kept
	if cn := common(string(b)); cn != nil {
		return cn.lower
	}
	return c.keep(b)
}

// keep is lower, an uncommon lower-case name, as a string: the one c keeps, or a new
// one that c keeps while it has room.
func (c *nameCache) keep(lower []byte) string {
	if c == nil {
		return string(lower)
	}
	if kept, ok := c.names[string(lower)]; ok {
		return kept
	}
	name := string(lower)
	if len(c.names) < maxCachedNames {
		if c.names == nil {
			c.names = map[string]string{}
		}
		c.names[name] = name
	}
	return name
}

// LowerASCII is s with ASCII letters lower-cased, as header-map keys are kept; s
// itself, without allocating, when it has none.
func LowerASCII(s string) string {
	if !HasUpperASCII(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// HasUpperASCII says whether s holds an ASCII capital letter. It tests eight bytes at
// a time: header maps look names up by their lower-case form tens of times a request,
// and the names are nearly always lower-case already.
func HasUpperASCII(s string) bool {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		// with each byte's top bit cleared, adding 0x80-'A' sets it for bytes from
		// 'A' up and adding 0x80-'Z'-1 for bytes past 'Z', without a carry between
		// bytes; bytes that had the top bit set are not ASCII letters
		y := x &^ high
		if (y+(0x80-'A')*ones)&^(y+(0x80-'Z'-1)*ones)&^x&high != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

// AppendWireName appends name as weir writes a header name on HTTP/1.1: a letter
// upper-cased at the start and after each '-', the others lower-cased
// ("x-forwarded-for" becomes "X-Forwarded-For"), which is what fasthttp makes of a name
// it normalizes, except for the common names spelled otherwise ("WWW-Authenticate",
// "X-RateLimit-Limit-Minute": spellings). A name holding a byte that may not stand in
// a token is appended as it is, as fasthttp leaves it. The front end and the upstream
// client write names made here with fasthttp's own normalizing off, which copied and
// scanned every name three times; a common name's form is made once, and found
// without a lookup when name is the gateway's own string for it (interned).
func AppendWireName(dst []byte, name string) []byte {
	if wire, ok := CommonWireName(name); ok {
		return append(dst, wire...)
	}
	return appendWireName(dst, name)
}

// CommonWireName is AppendWireName's form of a common lower-case name, made once;
// false for another name, which AppendOtherWireName then writes. A writer that copies
// the name itself saves a copy with it.
func CommonWireName(name string) (string, bool) {
	if c := interned(name); c != nil {
		return c.wire, true
	}
	if c := common(name); c != nil {
		return c.wire, true
	}
	return "", false
}

// AppendOtherWireName is AppendWireName for a name CommonWireName did not know,
// without looking it up again.
func AppendOtherWireName(dst []byte, name string) []byte { return appendWireName(dst, name) }

func appendWireName(dst []byte, name string) []byte {
	start := len(dst)
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !tokenByte[c] {
			return append(dst[:start], name...)
		}
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		upper = c == '-'
		dst = append(dst, c)
	}
	return dst
}

// tokenByte marks the bytes a header name (an RFC 9110 token) may hold.
var tokenByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
