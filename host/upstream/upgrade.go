package upstream

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/store"
)

// maxUpgradeRefusalBody caps the body of an upstream's non-101 answer to an upgrade.
const maxUpgradeRefusalBody = 1 << 20

// Upgrade implements pipeline.Upgrader: a dedicated connection (pools hold plain
// HTTP/1.1 connections only), the request head written by hand, the response head
// read with net/http's parser.
func (c *Client) Upgrade(ctx context.Context, svc *store.Service, req *pipeline.UpstreamRequest, resp *pipeline.Message) (*pipeline.Tunnel, error) {
	addr := req.Addr
	if addr == "" {
		addr = net.JoinHostPort(svc.Host, strconv.Itoa(svc.Port))
	}
	d := net.Dialer{Timeout: millis(svc.ConnectTimeout)}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", addr, pipeline.ErrUpstreamConnect, err)
	}
	if svc.Protocol == "https" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: svc.Host}
		if req.TLS != nil {
			cfg = req.TLS.Config
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: TLS: %w", addr, err)
		}
		conn = tc
	}
	_ = conn.SetDeadline(time.Now().Add(millis(svc.ReadTimeout)))
	if err := writeHead(conn, req); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: write upgrade request: %w", addr, err)
	}
	r := bufio.NewReader(conn)
	hr, err := http.ReadResponse(r, nil)
	if err != nil {
		conn.Close()
		if isTimeout(err) {
			return nil, fmt.Errorf("%s: %w: %w", addr, pipeline.ErrUpstreamTimeout, err)
		}
		return nil, fmt.Errorf("%s: read upgrade response: %w", addr, err)
	}
	if a := conn.RemoteAddr(); a != nil {
		req.RemoteAddr = a.String()
	}
	if a := conn.LocalAddr(); a != nil {
		req.LocalAddr = a.String()
	}
	h := &resp.Headers
	h.Reset()
	h.Add(":status", strconv.Itoa(hr.StatusCode))
	for k, vs := range hr.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if hr.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(hr.Body, maxUpgradeRefusalBody))
		hr.Body.Close()
		conn.Close()
		h.Remove("connection")
		h.Remove("upgrade")
		resp.Body.Set(body)
		return nil, nil
	}
	_ = conn.SetDeadline(time.Time{})
	return &pipeline.Tunnel{Conn: conn, Reader: r}, nil
}

func writeHead(w io.Writer, req *pipeline.UpstreamRequest) error {
	var b strings.Builder
	b.WriteString(req.Method + " " + req.Path + " HTTP/1.1\r\nHost: " + req.Host + "\r\n")
	for _, kv := range req.Headers.Pairs() {
		if kv[0] == "" || kv[0][0] == ':' || kv[0] == "host" || kv[0] == "content-length" ||
			strings.ContainsAny(kv[0]+kv[1], "\r\n") {
			continue
		}
		b.WriteString(kv[0] + ": " + kv[1] + "\r\n")
	}
	b.WriteString("\r\n")
	_, err := io.WriteString(w, b.String())
	return err
}

var _ pipeline.Upgrader = (*Client)(nil)
