// Package netaddr formats connection addresses once per connection rather than once
// per request. A keep-alive connection hands every request the same net.Addr value
// (net.Conn returns the one it holds), and formatting an IP costs allocations on the
// proxy's hot path, so the text is kept by that value, in a bounded cache.
package netaddr

import (
	"net"
	"sync/atomic"
	"unsafe"
)

// slots is the size of each cache, a power of two: enough for the connections one
// node keeps open at once, more or less; a collision only costs a formatting.
const slots = 4096

// entry is one address value and its text. Holding addr keeps that value alive, so no
// other address can be allocated at its place while the entry stands.
type entry struct {
	addr *net.TCPAddr
	text string
}

// cache maps address values (by identity) to their text: a direct-mapped table of
// atomic pointers, so a lookup is an index and a load, with no lock and no hashing of
// interface keys (a sync.Map here cost about 2% of a proxied request).
type cache [slots]atomic.Pointer[entry]

func (c *cache) get(a *net.TCPAddr, format func() string) string {
	u := uintptr(unsafe.Pointer(a))
	slot := &c[(u>>4^u>>16)&(slots-1)]
	if e := slot.Load(); e != nil && e.addr == a {
		return e.text
	}
	text := format()
	slot.Store(&entry{addr: a, text: text})
	return text
}

var addrs, ips cache

// String is a.String() ("ip:port"), formatted once per TCP address value; "" for nil.
func String(a net.Addr) string {
	switch a := a.(type) {
	case nil:
		return ""
	case *net.TCPAddr:
		if a == nil {
			return ""
		}
		return addrs.get(a, a.String)
	}
	return a.String()
}

// IP is a's IP as text, formatted once per address value; "" for nil.
func IP(a *net.TCPAddr) string {
	if a == nil {
		return ""
	}
	return ips.get(a, a.IP.String)
}
