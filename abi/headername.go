package abi

import (
	"encoding/binary"
	"strings"
	"unsafe"
)

// commonHeaders are header names common enough on the proxy path, or written by
// weir's built-in plugins on every request, that their lower-case strings are kept:
// a key read from a guest or copied from a front end then costs no allocation.
var commonHeaders = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"accept", "accept-encoding", "accept-language", "authorization",
		"cache-control", "connection", "content-encoding", "content-length", "content-type",
		"cookie", "date", "etag", "expires", "host", "if-modified-since", "if-none-match",
		"keep-alive", "last-modified", "location", "origin", "pragma", "referer", "server",
		"set-cookie", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
		"x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto",
		"x-real-ip", "x-request-id", "apikey",
		":method", ":path", ":authority", ":scheme", ":status",
		"x-consumer-id", "x-consumer-custom-id", "x-consumer-username", "x-credential-identifier",
		"x-anonymous-consumer", "x-consumer-groups", "x-kong-request-id",
		"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after"} {
		m[n] = n
	}
	for _, p := range []string{"second", "minute", "hour", "day", "month", "year"} {
		for _, n := range []string{"x-ratelimit-limit-" + p, "x-ratelimit-remaining-" + p} {
			m[n] = n
		}
	}
	return m
}()

// HeaderName is name with ASCII letters lower-cased, as header-map keys are kept (and
// as Envoy presents them to plugins), without allocating for a common name.
func HeaderName(name []byte) string {
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
	if s, ok := commonHeaders[string(b)]; ok {
		return s
	}
	return string(b)
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
