package pipeline

import (
	"strconv"
	"sync/atomic"
	"unsafe"
)

// Texts copies a message's small byte slices (header values) into one allocation and
// hands each back as a string sharing it: a front end turning a header map into
// strings allocates once instead of once per value. Reserve the total size, then Copy
// each slice; a Copy beyond the reservation gets a string of its own.
type Texts struct{ buf []byte }

// Reserve makes room for n bytes of texts.
func (t *Texts) Reserve(n int) { t.buf = make([]byte, 0, n) }

// Copy returns b as a string. The bytes it shares are never written again: Copy
// appends within the reserved capacity only, so the storage never moves.
func (t *Texts) Copy(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(t.buf)+len(b) > cap(t.buf) {
		return string(b)
	}
	start := len(t.buf)
	t.buf = append(t.buf, b...)
	return unsafe.String(&t.buf[start], len(b))
}

// statusTexts are the decimal texts of the HTTP status codes, made once: a status is
// formatted on every response.
var statusTexts = func() (t [600]string) {
	for code := 100; code < len(t); code++ {
		t[code] = strconv.Itoa(code)
	}
	return t
}()

// StatusText is code in decimal, without allocating for a code from 100 to 599.
func StatusText(code int) string {
	if code >= 100 && code < len(statusTexts) {
		return statusTexts[code]
	}
	return strconv.Itoa(code)
}

// portTexts caches the decimal text of the few ports requests arrive on
// (X-Forwarded-Port), direct-mapped by port.
var portTexts [64]atomic.Pointer[portTextEntry]

type portTextEntry struct {
	port int
	text string
}

// portText is port in decimal, made once per listener port.
func portText(port int) string {
	slot := &portTexts[uint(port)%uint(len(portTexts))]
	if t := slot.Load(); t != nil && t.port == port {
		return t.text
	}
	t := &portTextEntry{port, strconv.Itoa(port)}
	slot.Store(t)
	return t.text
}
