package pipeline

import (
	"bufio"
	"context"
	"net"
	"strings"

	"github.com/weir-gateway/weir/store"
)

// Tunnel is an upstream connection switched to another protocol (WebSocket): once the
// client has the 101 response, the front end relays bytes both ways until either side
// closes. Reader holds what the upstream sent after its response head.
type Tunnel struct {
	Conn   net.Conn
	Reader *bufio.Reader
}

// Upgrader is an Upstream that can open tunnels.
type Upgrader interface {
	// Upgrade sends req (an upgrade request) on a fresh connection and reads the
	// response head into resp. On 101 it returns the tunnel; otherwise the response
	// (body included) is in resp and the connection is closed.
	Upgrade(ctx context.Context, svc *store.Service, req *UpstreamRequest, resp *Message) (*Tunnel, error)
}

// WantsUpgrade reports whether a request asks for a protocol switch the gateway
// relays: `Connection: upgrade` with `Upgrade: websocket`, as Kong proxies them.
func WantsUpgrade(h *Headers) bool {
	if !strings.EqualFold(strings.TrimSpace(h.Value("upgrade")), "websocket") {
		return false
	}
	for _, v := range h.Values("connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return true
			}
		}
	}
	return false
}

// Tunnel is the exchange's upgraded upstream connection, nil unless the upstream
// answered 101 to an upgrade; the front end owns it from then on.
func (e *Exchange) Tunnel() *Tunnel { return e.tunnel }
