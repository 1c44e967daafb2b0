// Package netaddr formats connection addresses once per connection rather than once
// per request. A keep-alive connection hands every request the same net.Addr value
// (net.Conn returns the one it holds), and formatting an IP costs allocations on the
// proxy's hot path, so the text is kept by that value, in a bounded cache.
package netaddr

import (
	"net"
	"sync"
	"sync/atomic"
)

// maxEntries bounds each cache: when it fills it starts over (connections come and go;
// the entries in use come back on their next request).
const maxEntries = 4096

// cache maps address values to their text.
type cache struct {
	m sync.Map
	n atomic.Int64
}

func (c *cache) get(key any, format func() string) string {
	if s, ok := c.m.Load(key); ok {
		return s.(string)
	}
	s := format()
	if c.n.Add(1) > maxEntries {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(key, s)
	return s
}

var addrs, ips cache

// String is a.String() ("ip:port"), formatted once per address value; "" for nil.
func String(a net.Addr) string {
	if a == nil {
		return ""
	}
	return addrs.get(a, a.String)
}

// IP is a's IP as text, formatted once per address value; "" for nil.
func IP(a *net.TCPAddr) string {
	if a == nil {
		return ""
	}
	return ips.get(a, a.IP.String)
}
