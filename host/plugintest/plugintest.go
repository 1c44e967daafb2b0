// Package plugintest runs a plugin's built .wasm in a real weir gateway, in process, for
// an integration test: the same Admin API, snapshot, wasm pools and proxy a node runs,
// on an embedded store in a temporary directory, with an upstream that answers every
// request with a JSON description of what reached it.
//
//	gw := plugintest.Start(t, plugintest.Options{})
//	if err := gw.Upload("my-plugin", wasm); err != nil { t.Fatal(err) }
//	if err := gw.Enable("my-plugin", map[string]any{"header": "x-a"}); err != nil { t.Fatal(err) }
//	resp, err := gw.Get("/anything", "x-team", "core")
//	// resp.Status, resp.Header, resp.Body; resp.Upstream is what the upstream saw
//
// Unit tests of a plugin's logic belong to sdk/proxytest (no wasm, no gateway); this
// package checks the built module where it will run. It lives in weir's main module
// because it is the gateway: plugin modules import it in their tests only, so the
// gateway's dependencies never reach the .wasm.
package plugintest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/admin"
	"github.com/weir-gateway/weir/host"
	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store/embedded"
)

// Route is the route every request goes through: paths ["/"], strip_path off, to the
// service Service, whose url is the built-in upstream (or Options.UpstreamURL).
const (
	Service = "upstream"
	Route   = "default"
)

// Options configure a Gateway; the zero value is ready to use.
type Options struct {
	// Dir holds the store; empty means a fresh temporary directory, removed by Close.
	Dir string
	// CacheDir is wazero's compilation cache, kept between runs so a module compiles
	// once (about a second for a Go plugin); empty means weir-plugintest-cache in the
	// system's temporary directory.
	CacheDir string
	// UpstreamURL replaces the built-in echo upstream as the service's url.
	UpstreamURL string
	// CallbackTimeout is each plugin callback's deadline (wasm_callback_timeout);
	// 0 means 5 s.
	CallbackTimeout time.Duration
	// PoolSize is the number of instances per module; 0 means 1, so shared state
	// between requests is deterministic.
	PoolSize int
}

// Gateway is a running in-process weir node.
type Gateway struct {
	// ProxyURL and AdminURL are the proxy and Admin API (http://127.0.0.1:port).
	ProxyURL, AdminURL string
	// UpstreamURL is the built-in upstream's address ("" with Options.UpstreamURL).
	UpstreamURL string

	gw       *host.Gateway
	rt       *abi.Runtime
	db       *embedded.Store
	admin    *httptest.Server
	upstream *httptest.Server
	cancel   context.CancelFunc
	tmp      string
	logs     *syncBuffer
	client   *http.Client
}

// Start is New for a test: it fails the test on error and closes the gateway when the
// test ends.
func Start(t testing.TB, opts Options) *Gateway {
	t.Helper()
	g, err := New(opts)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	t.Cleanup(g.Close)
	return g
}

// New starts a gateway with the built-in plugins, one service and one route. Close it.
func New(opts Options) (_ *Gateway, err error) {
	g := &Gateway{logs: &syncBuffer{}, client: &http.Client{Timeout: 30 * time.Second}}
	defer func() {
		if err != nil {
			g.Close()
		}
	}()
	dir := opts.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "weir-plugintest-"); err != nil {
			return nil, err
		}
		g.tmp = dir
	}
	if err := g.start(dir, opts); err != nil {
		return nil, err
	}
	upstream := opts.UpstreamURL
	if upstream == "" {
		g.upstream = httptest.NewServer(http.HandlerFunc(echo))
		upstream, g.UpstreamURL = g.upstream.URL, g.upstream.URL
	}
	if err := g.Admin("POST", "/services", map[string]any{"name": Service, "url": upstream}, nil); err != nil {
		return nil, err
	}
	route := map[string]any{"name": Route, "paths": []string{"/"}, "strip_path": false}
	if err := g.Admin("POST", "/services/"+Service+"/routes", route, nil); err != nil {
		return nil, err
	}
	return g, nil
}

// start opens the store and runtime and serves the gateway and its Admin API.
func (g *Gateway) start(dir string, opts Options) error {
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	db, err := embedded.Open(filepath.Join(dir, "weir.db"))
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	g.db = db
	timeout := opts.CallbackTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	cache := opts.CacheDir
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "weir-plugintest-cache")
	}
	g.rt, err = abi.NewRuntime(ctx, abi.Config{CompilationCacheDir: cache,
		MemoryLimitPages: 1024, CallbackTimeout: timeout})
	if err != nil {
		return fmt.Errorf("start wasm runtime: %w", err)
	}
	builtins, err := pluginswasm.Builtins()
	if err != nil {
		return err
	}
	pool := opts.PoolSize
	if pool == 0 {
		pool = 1
	}
	logger := slog.New(slog.NewTextHandler(g.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g.gw, err = host.New(ctx, host.Options{Store: db, Runtime: g.rt, Builtins: builtins, Logger: logger,
		GuestLogLevel: abi.LogDebug, Version: "plugintest", NodeID: "plugintest", PoolSize: pool, MaxRequestBody: 16 << 20})
	if err != nil {
		return fmt.Errorf("start gateway: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = g.gw.Serve(ln) }()
	g.ProxyURL = "http://" + ln.Addr().String()
	api := admin.New(admin.Options{Store: db, Builtins: builtins, ValidateModule: g.gw.ValidateModule,
		Version: "plugintest", NodeID: "plugintest"})
	g.admin = httptest.NewServer(api.Handler())
	g.AdminURL = g.admin.URL
	go g.gw.Watch(ctx)
	return nil
}

// Close stops the gateway and removes its temporary directory.
func (g *Gateway) Close() {
	if g.admin != nil {
		g.admin.Close()
	}
	if g.gw != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = g.gw.Shutdown(ctx)
		cancel()
	}
	if g.cancel != nil {
		g.cancel()
	}
	if g.rt != nil {
		_ = g.rt.Close(context.Background())
	}
	if g.db != nil {
		_ = g.db.Close()
	}
	if g.upstream != nil {
		g.upstream.Close()
	}
	if g.tmp != "" {
		_ = os.RemoveAll(g.tmp)
	}
}

// Logs is everything the gateway logged so far, plugin log lines included (level
// debug and up).
func (g *Gateway) Logs() string { return g.logs.String() }

// Admin calls the Admin API with body as JSON (nil for none) and decodes a 2xx
// answer's JSON into out (nil to skip); another status is an error carrying the body.
// A successful write is in effect for the next proxied request.
func (g *Gateway) Admin(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, g.AdminURL+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return g.adminDo(req, out)
}

func (g *Gateway) adminDo(req *http.Request, out any) error {
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	if req.Method != http.MethodGet {
		if err := g.gw.Sync(req.Context()); err != nil {
			return fmt.Errorf("apply %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// Upload uploads a module (POST /wasm/modules) under name, as `curl -F` does.
// priority, when given, is sent as the form field; without it the Admin API decides.
func (g *Gateway) Upload(name string, wasm []byte, priority ...int) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("name", name)
	if len(priority) > 0 {
		_ = mw.WriteField("priority", strconv.Itoa(priority[0]))
	}
	fw, err := mw.CreateFormFile("module", name+".wasm")
	if err != nil {
		return err
	}
	_, _ = fw.Write(wasm)
	if err := mw.Close(); err != nil {
		return err
	}
	req, err := http.NewRequest("POST", g.AdminURL+"/wasm/modules", &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return g.adminDo(req, nil)
}

// UploadFile is Upload of a file.
func (g *Gateway) UploadFile(name, path string, priority ...int) error {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return g.Upload(name, wasm, priority...)
}

// Enable enables a plugin (an uploaded module or a built-in) on the route with config
// (nil for none), and returns the plugin entity's id.
func (g *Gateway) Enable(name string, config any) (string, error) {
	body := map[string]any{"name": name}
	if config != nil {
		body["config"] = config
	}
	var created struct {
		ID string `json:"id"`
	}
	err := g.Admin("POST", "/routes/"+Route+"/plugins", body, &created)
	return created.ID, err
}

// Response is a proxied answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Upstream is what the built-in upstream received, nil when the answer did not
	// come from it (a plugin answered, or Options.UpstreamURL is another server).
	Upstream *Echo
}

// Echo is the built-in upstream's description of a request it received.
type Echo struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Query  string      `json:"query"`
	Host   string      `json:"host"`
	Header http.Header `json:"headers"`
	Body   string      `json:"body"`
}

// Do sends req through the proxy; its URL's path and query are kept, scheme and host
// are the proxy's.
func (g *Gateway) Do(req *http.Request) (*Response, error) {
	u := *req.URL
	u.Scheme, u.Host = "http", strings.TrimPrefix(g.ProxyURL, "http://")
	req.URL, req.Host = &u, ""
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	var e Echo
	if resp.Header.Get(echoHeader) != "" && json.Unmarshal(body, &e) == nil {
		out.Upstream = &e
	}
	return out, nil
}

// Get sends a GET for path (with its query) with headers given as name, value pairs.
func (g *Gateway) Get(path string, headers ...string) (*Response, error) {
	return g.Send("GET", path, nil, headers...)
}

// Send sends a request with a body (nil for none) and headers given as name, value pairs.
func (g *Gateway) Send(method, path string, body []byte, headers ...string) (*Response, error) {
	if len(headers)%2 != 0 {
		return nil, errors.New("plugintest: headers come in name, value pairs")
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, g.ProxyURL+path, rd)
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return g.Do(req)
}

// echoHeader marks the built-in upstream's answers.
const echoHeader = "X-Weir-Plugintest-Upstream"

// echo answers with a JSON Echo of the request.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	e := Echo{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host, Header: r.Header, Body: string(body)}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(echoHeader, "1")
	_ = json.NewEncoder(w).Encode(e)
}

// syncBuffer is a log sink the gateway's goroutines write to while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
