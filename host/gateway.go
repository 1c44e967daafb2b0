// Package host is the gateway core: it keeps the current configuration snapshot, the
// wasm modules behind plugins, and the proxy listeners that run the pipeline.
package host

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/accesslog"
	"github.com/weir-gateway/weir/host/balancer"
	"github.com/weir-gateway/weir/host/metrics"
	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/host/proxy"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/host/stream"
	"github.com/weir-gateway/weir/host/tlscert"
	"github.com/weir-gateway/weir/host/upstream"
	"github.com/weir-gateway/weir/host/wasmpool"
	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store"
)

// Options configure a Gateway.
type Options struct {
	Store    store.Reader
	Runtime  *abi.Runtime
	Builtins []pluginswasm.Builtin
	Logger   *slog.Logger
	// GuestLogLevel is the lowest level of plugin log lines kept.
	GuestLogLevel abi.LogLevel
	Version       string
	// NodeID is this node's id, which plugins read as the node property.
	NodeID string
	// PoolSize is the number of instances per wasm module.
	PoolSize int
	// MaxRequestBody caps request bodies, in bytes.
	MaxRequestBody int
	// CrashBackoff is the base wait before replacing an instance that keeps crashing
	// (see wasmpool.Backoff); 0 means wasmpool.DefaultBackoff.
	CrashBackoff time.Duration
	// Headers are trusted_ips, real_ip_* and the switchable headers; nil means Kong's
	// defaults.
	Headers *pipeline.HeaderOptions
	// AccessLog, when set, receives one line per request (JSON when AccessLogJSON);
	// the gateway buffers it and flushes it on Shutdown.
	AccessLog     io.Writer
	AccessLogJSON bool
	// DefaultCertificate is served on ssl proxy listeners when no SNI matches (Kong's
	// default certificate); without one such handshakes fail.
	DefaultCertificate *tls.Certificate
	// NoActiveHealthchecks stops this node from probing targets (active_healthchecks =
	// off): their health comes from passive checks, overrides, and, on a store that
	// shares health, the other nodes' checks.
	NoActiveHealthchecks bool
	// Keepalive is how connections to services are kept (Kong's upstream_keepalive_*
	// properties); nil for Kong's defaults.
	Keepalive *upstream.Keepalive
}

// Gateway is one weir node's data plane.
type Gateway struct {
	opts    Options
	modules *modules
	current atomic.Pointer[snapshot.Snapshot]
	server  *proxy.Server
	// stream is the TCP proxy of stream_listen.
	stream *stream.Server
	// balancers keep the upstreams' balancers and health across snapshots.
	balancers *balancer.Registry
	// shared, when the store offers it, shares the targets' health with the other
	// nodes (healthshare.go).
	shared    *sharedHealth
	accessLog *accesslog.Logger
	metrics   *metrics.Proxy
	// certs selects the certificate of each TLS handshake; certCache keeps parsed
	// pairs across changes.
	certs     atomic.Pointer[tlscert.Index]
	certCache *tlscert.Cache
	syncMu    sync.Mutex
	// warmCtx bounds background warm-up; Shutdown cancels it.
	warmCtx    context.Context
	cancelWarm context.CancelFunc
}

// New compiles the built-in plugins and builds the first snapshot from the store.
func New(ctx context.Context, opts Options) (*Gateway, error) {
	svc := &pipeline.Services{Logger: opts.Logger, Level: opts.GuestLogLevel}
	svc.Counters, _ = opts.Store.(store.Counters)
	mods, err := newModules(ctx, opts.Runtime, svc, opts.Store, opts.Builtins, poolConfig(opts))
	if err != nil {
		return nil, err
	}
	g := &Gateway{opts: opts, modules: mods, balancers: balancer.NewRegistry(), certCache: tlscert.NewCache()}
	g.metrics = metrics.NewProxy(g.balancers)
	if opts.NoActiveHealthchecks {
		g.balancers.DisableActive()
	}
	if hs, ok := opts.Store.(store.HealthStates); ok {
		g.shared = newSharedHealth(hs, g.balancers, opts.NodeID, opts.Logger)
	}
	keepalive := upstream.DefaultKeepalive
	if opts.Keepalive != nil {
		keepalive = *opts.Keepalive
	}
	up := upstream.NewWithKeepalive(keepalive)
	svc.Snapshot, svc.Upstream, svc.Metrics = g.current.Load, up, g.metrics
	g.warmCtx, g.cancelWarm = context.WithCancel(context.WithoutCancel(ctx))
	if err := g.Sync(ctx); err != nil {
		mods.close(ctx)
		return nil, err
	}
	if g.shared != nil {
		g.shared.start(ctx)
	}
	p := &pipeline.Pipeline{Snapshot: g.current.Load, Upstream: up, Logger: opts.Logger, Version: opts.Version,
		NodeID: opts.NodeID, Headers: opts.Headers}
	if opts.AccessLog != nil {
		g.accessLog = accesslog.New(opts.AccessLog, opts.AccessLogJSON)
	}
	if g.accessLog != nil {
		p.OnComplete = func(e *pipeline.Exchange) {
			entry := e.AccessLogEntry()
			g.accessLog.Log(&entry)
		}
	}
	g.server = proxy.New(p, opts.MaxRequestBody)
	g.stream = stream.New(stream.Options{Snapshot: g.current.Load, Logger: opts.Logger, TLS: g.proxyTLS(), NodeID: opts.NodeID})
	return g, nil
}

// Sync rebuilds the snapshot from the store now and swaps it in. On error the previous
// snapshot stays in service.
func (g *Gateway) Sync(ctx context.Context) error {
	g.syncMu.Lock()
	defer g.syncMu.Unlock()
	ds, err := g.opts.Store.Dataset(ctx)
	if err != nil {
		return fmt.Errorf("read configuration: %w", err)
	}
	snap, err := snapshot.Build(ctx, ds, g.modules)
	if err != nil {
		return fmt.Errorf("build configuration snapshot: %w", err)
	}
	certs, err := tlscert.Build(ds.Certificates, ds.SNIs, g.opts.DefaultCertificate, g.certCache)
	if err != nil {
		return fmt.Errorf("build certificate index: %w", err)
	}
	if snap.Balancers, err = g.balancers.Update(ds.Upstreams, ds.Targets); err != nil {
		return fmt.Errorf("build balancers: %w", err)
	}
	if g.shared != nil {
		g.shared.reapply()
	}
	g.certs.Store(certs)
	g.current.Store(snap)
	byPool := snap.ByPool()
	g.modules.retain(byPool)
	go g.warm(byPool)
	return nil
}

// warm starts instances and root contexts for the new snapshot in the background, so
// the first requests after a change do not pay for them. A failure here is only logged:
// the request that needs the plugin will report it.
func (g *Gateway) warm(byPool map[*wasmpool.Pool][]*wasmpool.Plugin) {
	for pool, plugins := range byPool {
		if err := pool.Prepare(g.warmCtx, plugins); err != nil && g.warmCtx.Err() == nil {
			g.opts.Logger.Warn("plugin warm-up failed", "error", err)
		}
	}
}

// Watch rebuilds the snapshot after every store change until ctx ends.
func (g *Gateway) Watch(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.opts.Store.Changes():
			if err := g.Sync(ctx); err != nil && ctx.Err() == nil {
				g.opts.Logger.Error("configuration not applied; still serving the previous one", "error", err)
			}
		}
	}
}

// Instances implements metrics.Pools: running instances per plugin module.
func (g *Gateway) Instances() map[string]int { return g.modules.instances() }

// Crashes implements metrics.Pools: crashed instances retired per plugin module.
func (g *Gateway) Crashes() map[string]int { return g.modules.crashes() }

// MetricsHandler serves the plugins' metrics, weir's wasm counters and the proxy's metrics in Prometheus'
// format, for the Admin API listener's /metrics.
func (g *Gateway) MetricsHandler() http.Handler {
	node := &metrics.Node{ID: g.opts.NodeID, Version: g.opts.Version}
	if p, ok := g.opts.Store.(interface{ Ping(context.Context) error }); ok {
		node.Ping = p.Ping
	}
	return metrics.Handler(g.opts.Runtime, g, g.metrics, node)
}

// Serve runs the proxy on ln until Shutdown.
func (g *Gateway) Serve(ln net.Listener) error { return g.server.Serve(ln) }

// ServeListener runs the proxy on ln with Kong's listener flags: ssl terminates TLS
// with the certificates and snis of the current configuration, http2 adds HTTP/2 (by
// ALPN over TLS, h2c with prior knowledge without).
func (g *Gateway) ServeListener(ln net.Listener, ssl, http2 bool) error {
	o := proxy.ListenOptions{HTTP2: http2}
	if ssl {
		o.TLS = g.proxyTLS()
	}
	return g.server.ServeListener(ln, o)
}

// proxyTLS is the TLS configuration of ssl listeners: the certificate of each
// handshake picked from the current configuration's snis.
func (g *Gateway) proxyTLS() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return g.certs.Load().Certificate(hello)
		},
	}
}

// ServeStream runs the TCP proxy (Kong's stream_listen) on ln until Shutdown: stream
// routes of the current configuration, L4 plugins. ssl terminates TLS with the
// certificates and snis of the configuration, as ServeListener does.
func (g *Gateway) ServeStream(ln net.Listener, ssl bool) error { return g.stream.Serve(ln, ssl) }

// Shutdown stops the listeners, waits for open requests, and closes the wasm modules.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.cancelWarm()
	// the HTTP and TCP proxies drain at once, under the same deadline
	streamDone := make(chan error, 1)
	go func() { streamDone <- g.stream.Shutdown(ctx) }()
	err := g.server.Shutdown(ctx)
	err = errors.Join(err, <-streamDone)
	if g.shared != nil {
		g.shared.close()
	}
	g.balancers.Close()
	if g.accessLog != nil {
		err = errors.Join(err, g.accessLog.Close())
	}
	g.modules.close(ctx)
	return err
}

// SetTargetHealth overrides a target's health on this node (Kong's PUT
// /upstreams/{u}/targets/{t}/healthy|unhealthy); address, when not "", is the one
// address ("ip:port") of the target to set, else the target itself. The override lasts
// until the health checks decide otherwise. On a store that shares health, every node
// on it takes the override too.
func (g *Gateway) SetTargetHealth(upstreamID, target, address string, healthy bool) error {
	addr := balancer.Address(target)
	if address != "" {
		addr = balancer.Address(address)
	}
	return g.balancers.SetHealth(upstreamID, addr, healthy)
}

// TargetHealth is the health of target ("host:port", as stored) of the upstream with
// that id on this node: HEALTHY, UNHEALTHY or HEALTHCHECKS_OFF (also when unknown).
func (g *Gateway) TargetHealth(upstreamID, target string) string {
	if h := g.balancers.Health(upstreamID)[balancer.Address(target)]; h != "" {
		return h
	}
	return balancer.HealthChecksOff
}

// ValidateModule checks that an uploaded module compiles, carries a proxy-wasm ABI
// marker, and starts: its imports resolve and its VM start callback accepts.
func (g *Gateway) ValidateModule(ctx context.Context, wasm []byte) error {
	mod, err := g.opts.Runtime.Compile(ctx, wasm)
	if err != nil {
		return err
	}
	defer mod.Close(ctx)
	inst, err := mod.NewInstance(ctx, &pipeline.Services{Logger: g.opts.Logger, Level: g.opts.GuestLogLevel}, abi.InstanceConfig{VMID: "validate"})
	if err != nil {
		return fmt.Errorf("the module does not start: %w", err)
	}
	return inst.Close(ctx)
}

// poolConfig is the shape of every module's pool: PoolSize instances, and the crash
// backoff from CrashBackoff (at most 30 times it, reset after an instance lived 60
// times it).
func poolConfig(opts Options) wasmpool.Config {
	cfg := wasmpool.Config{Size: opts.PoolSize}
	if b := opts.CrashBackoff; b > 0 {
		cfg.Backoff = wasmpool.Backoff{Base: b, Max: 30 * b, Reset: 60 * b}
	}
	return cfg
}
