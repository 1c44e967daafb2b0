package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/admin"
	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
	"github.com/weir-gateway/weir/host"
	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
)

// maxRequestBody caps proxied request bodies.
const maxRequestBody = 64 << 20

func runStart(args []string) error {
	c, err := loadConfig("start", args)
	if err != nil {
		return err
	}
	if err := preparePrefix(c.Prefix); err != nil {
		return err
	}
	logger, closeLog, err := newLogger(c)
	if err != nil {
		return err
	}
	defer closeLog()
	stopProfiles, err := startProfiles()
	if err != nil {
		return err
	}
	defer stopProfiles()
	for _, name := range c.Unknown {
		logger.Warn("configuration property not used by weir", "property", name)
	}
	// SIGTERM and SIGQUIT (Kong's stop and quit) both drain: listeners close, requests
	// in flight finish within the shutdown timeout
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT)
	defer stop()
	return run(ctx, c, logger)
}

// run starts every part of a node, serves until ctx ends, and shuts down in reverse.
func run(ctx context.Context, c *conf.Config, logger *slog.Logger) error {
	id, err := nodeID(c.Prefix)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, c, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	rt, err := abi.NewRuntime(ctx, abi.Config{
		CompilationCacheDir: filepath.Join(c.Prefix, wasmCache),
		MemoryLimitPages:    uint32(c.Wasm.MemoryLimit / (64 << 10)),
		CallbackTimeout:     c.Wasm.CallbackTimeout,
	})
	if err != nil {
		return fmt.Errorf("start wasm runtime: %w", err)
	}
	defer rt.Close(context.Background())
	builtins, err := pluginswasm.Builtins()
	if err != nil {
		return err
	}
	accessLog, closeAccessLog, err := openAccessLog(c)
	if err != nil {
		return err
	}
	defer closeAccessLog()
	defaultCert, err := proxyDefaultCertificate(c)
	if err != nil {
		return err
	}
	gw, err := host.New(ctx, host.Options{
		Store: db, Runtime: rt, Builtins: builtins, Logger: logger, GuestLogLevel: guestLevel(c),
		Version: version, NodeID: id, PoolSize: runtime.GOMAXPROCS(0), MaxRequestBody: maxRequestBody,
		CrashBackoff: c.Wasm.CrashBackoff, Headers: &c.Proxy.Headers,
		AccessLog: accessLog, AccessLogJSON: c.Proxy.AccessLogJSON, DefaultCertificate: defaultCert,
		NoActiveHealthchecks: !c.ActiveHealthchecks, Keepalive: &c.Proxy.Keepalive,
	})
	if err != nil {
		return fmt.Errorf("start gateway: %w", err)
	}
	hostname, _ := os.Hostname()
	adminAPI := admin.New(admin.Options{
		Store: db, Builtins: builtins, ValidateModule: gw.ValidateModule,
		Version: version, Hostname: hostname, NodeID: id, Configuration: nodeConfiguration(c),
		DBLess: c.Database == "off", DeclarativeFile: dblessDeclarativeFile(c),
		Token: c.Admin.Token, ClientCertAuth: c.Admin.ClientCA != "",
		MaxBodySize: c.Admin.MaxBodySize, MaxModuleSize: c.Admin.MaxModuleSize,
		Metrics:         gw.MetricsHandler(),
		TargetHealth:    gw.TargetHealth,
		SetTargetHealth: gw.SetTargetHealth,
	})
	servers, err := listen(c, gw, syncAfterWrite(adminAPI.Handler(), gw, logger), adminAPI.StatusHandler(), logger)
	if err != nil {
		_ = gw.Shutdown(context.Background())
		return err
	}
	if err := writePID(c.Prefix); err != nil {
		servers.close()
		_ = gw.Shutdown(context.Background())
		return err
	}
	defer os.Remove(filepath.Join(c.Prefix, pidFile))
	watchCtx, stopWatch := context.WithCancel(ctx)
	go gw.Watch(watchCtx)
	logger.Info("weir started", "version", version, "prefix", c.Prefix, "database", c.Database, "node_id", id)

	select {
	case <-ctx.Done():
		logger.Info("weir stopping")
	case err = <-servers.failed:
		logger.Error("listener failed", "error", err)
	}
	stopWatch()
	servers.close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := gw.Shutdown(shutdownCtx); serr != nil && err == nil {
		err = serr
	}
	return err
}

// servers are the listeners of a node.
type servers struct {
	admin  []*http.Server
	gw     *host.Gateway
	failed chan error
}

func listen(c *conf.Config, gw *host.Gateway, adminHandler, statusHandler http.Handler, logger *slog.Logger) (*servers, error) {
	s := &servers{gw: gw, failed: make(chan error, len(c.ProxyListen)+len(c.StreamListen)+len(c.AdminListen)+len(c.StatusListen))}
	var lns []net.Listener
	for _, l := range c.ProxyListen {
		ln, err := net.Listen("tcp", l.Addr)
		if err != nil {
			closeAll(lns)
			return nil, fmt.Errorf("proxy_listen %s: %w", l.Addr, err)
		}
		lns = append(lns, ln)
		logger.Info("proxy listening", "address", l.Addr, "bound", ln.Addr().String())
		ssl, http2 := slices.Contains(l.Flags, "ssl"), slices.Contains(l.Flags, "http2")
		go func() { s.fail(gw.ServeListener(ln, ssl, http2)) }()
	}
	for _, l := range c.StreamListen {
		ln, err := net.Listen("tcp", l.Addr)
		if err != nil {
			closeAll(lns)
			return nil, fmt.Errorf("stream_listen %s: %w", l.Addr, err)
		}
		lns = append(lns, ln)
		ssl := slices.Contains(l.Flags, "ssl")
		logger.Info("stream proxy listening", "address", l.Addr, "bound", ln.Addr().String(), "ssl", ssl)
		go func() { s.fail(gw.ServeStream(ln, ssl)) }()
	}
	for _, api := range []struct {
		property, name string
		listen         []conf.Listen
		handler        http.Handler
	}{
		{"admin_listen", "admin API", c.AdminListen, adminHandler},
		{"status_listen", "status API", c.StatusListen, statusHandler},
	} {
		for _, l := range api.listen {
			ln, err := net.Listen("tcp", l.Addr)
			if err != nil {
				closeAll(lns)
				return nil, fmt.Errorf("%s %s: %w", api.property, l.Addr, err)
			}
			lns = append(lns, ln)
			if ln, err = wrapAdminTLS(c, api.property, l, ln); err != nil {
				closeAll(lns)
				return nil, err
			}
			srv := &http.Server{Handler: api.handler, ReadHeaderTimeout: 10 * time.Second}
			s.admin = append(s.admin, srv)
			logger.Info(api.name+" listening", "address", l.Addr, "bound", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
					s.fail(err)
				}
			}()
		}
	}
	return s, nil
}

func (s *servers) fail(err error) {
	if err != nil {
		s.failed <- err
	}
}

func (s *servers) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range s.admin {
		_ = srv.Shutdown(ctx)
	}
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

func writePID(prefix string) error {
	path := filepath.Join(prefix, pidFile)
	if pid, err := runningPID(prefix); err == nil && pid != os.Getpid() {
		return fmt.Errorf("weir is already running in %s (pid %d)", prefix, pid)
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	return nil
}

// newLogger logs to stderr and, unless proxy_error_log is off, to that file too.
func newLogger(c *conf.Config) (*slog.Logger, func(), error) {
	var w io.Writer = os.Stderr
	closer := func() {}
	if c.ErrorLog != "off" && c.ErrorLog != "/dev/stderr" {
		path := c.ErrorLog
		if !filepath.IsAbs(path) {
			path = filepath.Join(c.Prefix, path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, nil, fmt.Errorf("create log directory: %w", err)
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("open error log: %w", err)
		}
		w, closer = io.MultiWriter(os.Stderr, f), func() { f.Close() }
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: c.SlogLevel()})), closer, nil
}

// guestLevel maps the node's log level onto the proxy-wasm levels plugins are told.
func guestLevel(c *conf.Config) abi.LogLevel {
	switch c.LogLevel {
	case "debug":
		return abi.LogDebug
	case "info", "notice":
		return abi.LogInfo
	case "warn":
		return abi.LogWarn
	}
	return abi.LogError
}
