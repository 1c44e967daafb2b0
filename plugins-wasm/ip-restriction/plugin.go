// Package iprestriction is Kong 3.9's ip-restriction plugin as a weir proxy-wasm
// plugin: it refuses clients whose address is in the deny list, or missing from the
// allow list. The address is the forwarded one (weir.forwarded_ip), so trusted_ips and
// real_ip_header decide it as they decide Kong's $remote_addr.
package iprestriction

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is ip-restriction's configuration (schema.json).
type config struct {
	Allow   []string `json:"allow"`
	Deny    []string `json:"deny"`
	Status  float64  `json:"status"`
	Message *string  `json:"message"`

	allow, deny []netip.Prefix
}

// Validate parses the lists once per configuration, with Kong's messages.
func (c *config) Validate() error {
	if len(c.Allow) == 0 && len(c.Deny) == 0 {
		return errors.New("at least one of these fields must be non-empty: 'config.allow', 'config.deny'")
	}
	var err error
	if c.allow, err = prefixes(c.Allow); err == nil {
		c.deny, err = prefixes(c.Deny)
	}
	return err
}

func init() {
	weir.Register(weir.Plugin[config]{Name: "ip-restriction", OnRequest: onRequest})
}

func onRequest(r *weir.Request, c *config) weir.Action {
	ip := weir.ForwardedIP()
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return refuse(r, 403, "Cannot identify the client IP address, unix domain sockets are not supported.")
	}
	addr = addr.Unmap()
	if len(c.deny) > 0 && contains(c.deny, addr) {
		return refuse(r, c.status(), c.message(ip))
	}
	if len(c.allow) > 0 && !contains(c.allow, addr) {
		return refuse(r, c.status(), c.message(ip))
	}
	return weir.Continue
}

func refuse(r *weir.Request, status int, msg string) weir.Action {
	proxywasm.LogWarn(msg)
	return r.Error(status, msg)
}

func (c *config) status() int {
	if c.Status == 0 {
		return 403
	}
	return int(c.Status)
}

func (c *config) message(ip string) string {
	if c.Message == nil {
		return "IP address not allowed: " + ip
	}
	return *c.Message
}

// prefixes parses addresses (as single-address ranges) and CIDR ranges.
func prefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("invalid ip or cidr range: '%s'", s)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func contains(list []netip.Prefix, a netip.Addr) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
