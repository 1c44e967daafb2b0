package main

import (
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
)

// routerFlavor is the Kong router weir's matching follows: Kong 3's default,
// traditional_compatible (the traditional fields and priority rules). go-kong gates
// its expression-router tests on this value.
const routerFlavor = "traditional_compatible"

// nodeConfiguration is the configuration GET / reports, in the shape Kong reports its
// own: listen properties as lists, plus the parsed `*_listeners` objects and
// `router_flavor` that Kong clients (go-kong, decK) read to learn what a node serves.
func nodeConfiguration(c *conf.Config) map[string]any {
	out := make(map[string]any, len(c.Properties)+4)
	for k, v := range c.Redacted() {
		out[k] = v
	}
	out["prefix"] = c.Prefix
	out["database"] = c.Database
	out["router_flavor"] = routerFlavor
	out["proxy_listen"] = listenStrings(c.ProxyListen)
	out["admin_listen"] = listenStrings(c.AdminListen)
	out["proxy_listeners"] = listeners(c.ProxyListen)
	out["admin_listeners"] = listeners(c.AdminListen)
	out["stream_listen"] = listenStrings(c.StreamListen)
	out["stream_listeners"] = listeners(c.StreamListen)
	return out
}

// listenStrings writes each listener back as Kong's `addr flag...` entry.
func listenStrings(ls []conf.Listen) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, strings.Join(append([]string{l.Addr}, l.Flags...), " "))
	}
	return out
}

// listenerFlags are the flags Kong reports as booleans on every listener object.
var listenerFlags = []string{"ssl", "http2", "proxy_protocol", "deferred", "reuseport", "bind"}

// listeners describes each listener as Kong's conf_loader does: ip, port, the flags as
// booleans, and the original entry.
func listeners(ls []conf.Listen) []map[string]any {
	out := []map[string]any{}
	for _, l := range ls {
		host, portStr, _ := net.SplitHostPort(l.Addr)
		port, _ := strconv.Atoi(portStr)
		m := map[string]any{
			"ip":       host,
			"port":     port,
			"listener": strings.Join(append([]string{l.Addr}, l.Flags...), " "),
		}
		for _, f := range listenerFlags {
			m[f] = slices.Contains(l.Flags, f)
		}
		out = append(out, m)
	}
	return out
}
