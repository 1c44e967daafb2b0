package upstream

import (
	"bytes"
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

// maxGRPCResponse caps a buffered gRPC response body.
const maxGRPCResponse = 64 << 20

// doHTTP2 sends a grpc (h2c, prior knowledge) or grpcs (HTTP/2 over TLS) request on
// net/http's HTTP/2 client, keeping trailers.
func (c *Client) doHTTP2(ctx context.Context, svc *store.Service, req *pipeline.UpstreamRequest, resp *pipeline.Message) error {
	tr := c.transport(svc, req)
	scheme := "http"
	if svc.Protocol == "grpcs" {
		scheme = "https"
	}
	addr := req.Addr
	if addr == "" {
		addr = net.JoinHostPort(svc.Host, strconv.Itoa(svc.Port))
	}
	body, size := io.Reader(bytes.NewReader(req.Body)), int64(len(req.Body))
	if req.BodyStream != nil {
		body, size = req.BodyStream, -1
		if req.BodyFiltered {
			// the plugins see the whole body before the response phase begins
			b, err := io.ReadAll(io.LimitReader(req.BodyStream, maxGRPCResponse+1))
			if err != nil {
				return fmt.Errorf("%s: read request body: %w", addr, err)
			}
			if len(b) > maxGRPCResponse {
				return fmt.Errorf("%s: request body over %d bytes", addr, maxGRPCResponse)
			}
			body, size = bytes.NewReader(b), int64(len(b))
		}
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, scheme+"://"+addr+req.Path, body)
	if err != nil {
		return fmt.Errorf("%s: %w", addr, err)
	}
	hreq.Host = req.Host
	hreq.ContentLength = size
	for _, kv := range req.Headers.Pairs() {
		if kv[0] == "" || kv[0][0] == ':' || kv[0] == "host" || kv[0] == "content-length" {
			continue
		}
		hreq.Header.Add(kv[0], kv[1])
	}
	hresp, err := tr.RoundTrip(hreq)
	if err != nil {
		if isTimeout(err) {
			return fmt.Errorf("%s: %w: %w", addr, pipeline.ErrUpstreamTimeout, err)
		}
		return fmt.Errorf("%s: %w", addr, err)
	}
	req.RemoteAddr = addr
	h := &resp.Headers
	h.Reset()
	h.Add(":status", strconv.Itoa(hresp.StatusCode))
	for k, vs := range hresp.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	resp.Trailers.Reset()
	if req.Stream {
		// messages go to the client as the service sends them; the trailers are
		// known at the end
		resp.Body.SetStream(&h2Stream{resp: hresp, trailers: &resp.Trailers})
		return nil
	}
	defer hresp.Body.Close()
	rbody, err := io.ReadAll(io.LimitReader(hresp.Body, maxGRPCResponse))
	if err != nil {
		return fmt.Errorf("%s: read response: %w", addr, err)
	}
	resp.Body.Set(rbody)
	copyTrailers(hresp, &resp.Trailers)
	return nil
}

// h2Stream is an HTTP/2 response body read as the client takes it; at its end it
// copies the response's trailers to the exchange.
type h2Stream struct {
	resp     *http.Response
	trailers *pipeline.Headers
}

func (s *h2Stream) Read(p []byte) (int, error) {
	n, err := s.resp.Body.Read(p)
	if err == io.EOF {
		copyTrailers(s.resp, s.trailers)
	}
	return n, err
}

func (s *h2Stream) Close() error { return s.resp.Body.Close() }

func copyTrailers(from *http.Response, to *pipeline.Headers) {
	to.Reset()
	for k, vs := range from.Trailer {
		for _, v := range vs {
			to.Add(k, v)
		}
	}
}

// transport is the HTTP/2 client for one pool key, made on first use.
func (c *Client) transport(svc *store.Service, req *pipeline.UpstreamRequest) *http.Transport {
	key := poolKey{addr: req.Addr, tls: svc.Protocol == "grpcs", connect: svc.ConnectTimeout,
		read: svc.ReadTimeout, write: svc.WriteTimeout}
	if key.addr == "" {
		key.addr = net.JoinHostPort(svc.Host, strconv.Itoa(svc.Port))
	}
	var cfg *tls.Config
	if req.TLS != nil {
		key.tlsKey, cfg = req.TLS.Key, req.TLS.Config
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if tr := c.h2[key]; tr != nil {
		return tr
	}
	if cfg == nil {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: svc.Host, InsecureSkipVerify: true} //nolint:gosec // Kong's default: tls_verify off
	}
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: millis(key.connect)}).DialContext,
		TLSClientConfig:       cfg.Clone(),
		ResponseHeaderTimeout: millis(key.read),
		IdleConnTimeout:       60 * time.Second,
		Protocols:             new(http.Protocols),
	}
	if key.tls {
		tr.Protocols.SetHTTP2(true)
	} else {
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	c.h2[key] = tr
	return tr
}

// isGRPC: the service speaks gRPC, so requests go over HTTP/2.
func isGRPC(svc *store.Service) bool {
	return strings.HasPrefix(svc.Protocol, "grpc")
}
