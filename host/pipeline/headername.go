package pipeline

// commonHeaders are header names common enough on the proxy path that their
// lower-case strings are kept: a front end or upstream client copying a header map
// then allocates for the values only.
var commonHeaders = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"accept", "accept-encoding", "accept-language", "authorization",
		"cache-control", "connection", "content-encoding", "content-length", "content-type",
		"cookie", "date", "etag", "expires", "host", "if-modified-since", "if-none-match",
		"keep-alive", "last-modified", "location", "origin", "pragma", "referer", "server",
		"set-cookie", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
		"x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto",
		"x-real-ip", "x-request-id", "apikey"} {
		m[n] = n
	}
	return m
}()

// HeaderName is name lower-cased as a string, without allocating for a common name.
func HeaderName(name []byte) string {
	var buf [64]byte
	if len(name) > len(buf) {
		return lower(string(name))
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

// AddLower appends a field whose key is already lower-case (from HeaderName).
func (h *Headers) AddLower(key, value string) {
	h.pairs = append(h.pairs, [2]string{key, value})
}
