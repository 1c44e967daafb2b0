package main_test

// The end-to-end test builds the real weir binary with its built-in plugins, starts it
// on free ports with a temporary prefix, and walks the README's quick start over HTTP.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store/postgres/pgtest"
)

// repoRoot is where the Makefile lives, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

var buildOnce struct {
	sync.Once
	bin string
	err error
}

// buildWeir compiles the plugins and the binary once per test run.
func buildWeir(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root := repoRoot(t)
		out, err := exec.Command("bash", filepath.Join(root, "scripts/build-plugins.sh")).CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("build plugins: %v\n%s", err, out)
			return
		}
		dir, err := os.MkdirTemp("", "weir-e2e-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.bin = filepath.Join(dir, "weir")
		cmd := exec.Command("go", "build", "-o", buildOnce.bin, "./cmd/weir")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildOnce.err = fmt.Errorf("build weir: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := pgtest.FreePort() // from below the ephemeral range: see FreePort
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// node is a running weir process.
type node struct {
	cmd      *exec.Cmd
	proxy    string
	admin    string
	logs     *lockedBuffer
	exited   chan error
	binary   string
	prefix   string
	extraEnv []string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startNode(t *testing.T, bin, prefix string) *node {
	t.Helper()
	n := &node{binary: bin, prefix: prefix, proxy: freeAddr(t), admin: freeAddr(t)}
	n.start(t)
	return n
}

func (n *node) start(t *testing.T) {
	t.Helper()
	n.logs = &lockedBuffer{}
	n.cmd = exec.Command(n.binary, "start")
	n.cmd.Env = append(os.Environ(),
		"WEIR_PREFIX="+n.prefix,
		"WEIR_PROXY_LISTEN="+n.proxy,
		"KONG_ADMIN_LISTEN="+n.admin, // the KONG_ spelling works too
	)
	n.cmd.Env = append(n.cmd.Env, n.extraEnv...)
	n.cmd.Stdout, n.cmd.Stderr = n.logs, n.logs
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.exited = make(chan error, 1)
	go func() { n.exited <- n.cmd.Wait() }()
	t.Cleanup(func() { n.stop(t) })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-n.exited:
			t.Fatalf("weir exited at start: %v\n%s", err, n.logs)
		default:
		}
		if resp, err := http.Get("http://" + n.admin + "/"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("weir did not start within 60s\n%s", n.logs)
}

func (n *node) stop(t *testing.T) {
	if n.cmd.ProcessState != nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(20 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.exited
		t.Errorf("weir did not stop on SIGTERM within 20s")
	}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// sendRaw writes raw on a fresh connection to addr, closed when the test ends, and
// returns a reader of what comes back (within 10 s).
func sendRaw(t *testing.T, addr, raw string) *bufio.Reader {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	return bufio.NewReader(c)
}

// wireNames sends GET path to the proxy at addr and returns the response's field
// names as they were written, which net/http's reader would canonicalize.
func wireNames(t *testing.T, addr, path string) []string {
	t.Helper()
	br := sendRaw(t, addr, "GET "+path+" HTTP/1.1\r\nHost: weir.test\r\nConnection: close\r\n\r\n")
	var names []string
	for first := true; ; first = false {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("GET %s: reading the head: %v", path, err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return names
		}
		if name, _, ok := strings.Cut(line, ":"); ok && !first {
			names = append(names, name)
		}
	}
}

// expectWireNames fails t unless every one of want is among names, spelled as given.
func expectWireNames(t *testing.T, names []string, want ...string) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, n := range names {
			found = found || n == w
		}
		if !found {
			t.Errorf("field %s not written so; the names written: %q", w, names)
		}
	}
}

func do(t *testing.T, method, rawURL string, body io.Reader, header map[string]string) *response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

// form posts like `curl --data k=v --data k2=v2`.
func form(t *testing.T, rawURL string, pairs ...string) *response {
	t.Helper()
	v := url.Values{}
	for _, p := range pairs {
		k, val, _ := strings.Cut(p, "=")
		v.Add(k, val)
	}
	return do(t, "POST", rawURL, strings.NewReader(v.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func postJSON(t *testing.T, rawURL, body string) *response {
	t.Helper()
	return do(t, "POST", rawURL, strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
}

func expectStatus(t *testing.T, what string, r *response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, want, r.body)
	}
}

// echoed is what the echo upstream reports it received.
type echoed struct {
	Path    string            `json:"path"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
}

func upstreamSaw(t *testing.T, r *response) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("upstream reply is not the echo server's JSON: %v\n%s", err, r.body)
	}
	return e
}

func startEcho(t *testing.T, bin string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "echo-server", "--listen", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("echo server did not start")
	return ""
}

func uploadModule(t *testing.T, adminURL, name, path string) *response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("name", name)
	fw, err := mw.CreateFormFile("module", filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(wasm)
	_ = mw.Close()
	return do(t, "POST", adminURL+"/wasm/modules", &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
}

func TestQuickStart(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	prefix := t.TempDir()
	n := startNode(t, bin, prefix)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy

	// The node answers before its log lines have necessarily crossed the pipe.
	for _, want := range []string{"proxy listening", n.proxy, "admin API listening", n.admin} {
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(n.logs.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("start-up log lacks %q:\n%s", want, n.logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if _, err := os.Stat(filepath.Join(prefix, "weir.db")); err != nil {
		t.Fatalf("embedded store file not created in the prefix: %v", err)
	}

	t.Run("node info", func(t *testing.T) {
		r := do(t, "GET", admin+"/", nil, nil)
		expectStatus(t, "GET /", r, 200)
		info := r.json(t)
		// Kong clients read the API level from `version` and the Server header.
		if info["version"] != "3.9.3" || info["weir_version"] != "0.1.0" {
			t.Errorf("version = %v, weir_version = %v", info["version"], info["weir_version"])
		}
		if got := r.header.Get("Server"); got != "kong/3.9.3 (weir/0.1.0)" {
			t.Errorf("Server = %q", got)
		}
		cfg, _ := info["configuration"].(map[string]any)
		if cfg["database"] != "embedded" || cfg["router_flavor"] != "traditional_compatible" {
			t.Errorf("configuration.database = %v, router_flavor = %v", cfg["database"], cfg["router_flavor"])
		}
		pl, _ := cfg["proxy_listeners"].([]any)
		if len(pl) != 1 || pl[0].(map[string]any)["listener"] != n.proxy || pl[0].(map[string]any)["ssl"] != false {
			t.Errorf("configuration.proxy_listeners = %v", cfg["proxy_listeners"])
		}
		avail, _ := info["plugins"].(map[string]any)["available_on_server"].(map[string]any)
		if _, ok := avail["key-auth"]; !ok {
			t.Errorf("key-auth not in plugins.available_on_server: %v", avail)
		}
	})

	expectStatus(t, "create service", form(t, admin+"/services", "name=example", "url=http://"+echoAddr+"/anything"), 201)
	expectStatus(t, "create route", form(t, admin+"/services/example/routes", "paths[]=/test", "name=r1"), 201)

	r := do(t, "GET", proxy+"/test/foo?x=1", nil, nil)
	expectStatus(t, "proxy /test/foo", r, 200)
	if saw := upstreamSaw(t, r); saw.URL != "/anything/foo?x=1" {
		t.Fatalf("upstream saw %q, want /anything/foo?x=1 (strip_path)", saw.URL)
	}
	if r.header.Get("Via") == "" || r.header.Get("X-Kong-Upstream-Latency") == "" {
		t.Errorf("downstream headers missing: %v", r.header)
	}

	r = do(t, "GET", proxy+"/nowhere", nil, nil)
	expectStatus(t, "unknown path", r, 404)
	if m := r.json(t); m["message"] != "no Route matched with those values" {
		t.Errorf("404 body = %s", r.body)
	}

	expectStatus(t, "enable key-auth", form(t, admin+"/services/example/plugins", "name=key-auth"), 201)
	r = do(t, "GET", proxy+"/test", nil, nil)
	expectStatus(t, "no key", r, 401)
	if m := r.json(t); m["message"] != "No API key found in request" || m["request_id"] != r.header.Get("X-Kong-Request-Id") {
		t.Fatalf("401 body = %s, want Kong's message and this request's id", r.body)
	}
	if got := r.header.Get("WWW-Authenticate"); got != "Key" {
		t.Errorf("WWW-Authenticate = %q, want Key", got)
	}
	// Kong's spelling on the wire, which a client comparing names exactly sees
	expectWireNames(t, wireNames(t, n.proxy, "/test"), "WWW-Authenticate", "X-Kong-Request-Id")

	cr := form(t, admin+"/consumers", "username=alice")
	expectStatus(t, "create consumer", cr, 201)
	aliceID, _ := cr.json(t)["id"].(string)
	expectStatus(t, "create key", form(t, admin+"/consumers/alice/key-auth", "key=secret"), 201)

	r = do(t, "GET", proxy+"/test", nil, map[string]string{"apikey": "wrong"})
	expectStatus(t, "wrong key", r, 401)
	if m := r.json(t); m["message"] != "Unauthorized" {
		t.Errorf("wrong key body = %s", r.body)
	}

	r = do(t, "GET", proxy+"/test", nil, map[string]string{"apikey": "secret"})
	expectStatus(t, "good key", r, 200)
	saw := upstreamSaw(t, r)
	if saw.Headers["X-Consumer-Username"] != "alice" || saw.Headers["X-Consumer-Id"] != aliceID || aliceID == "" {
		t.Fatalf("upstream consumer headers = %v, want alice / %s", saw.Headers, aliceID)
	}
	r = do(t, "GET", proxy+"/test?apikey=secret", nil, nil)
	expectStatus(t, "key in query", r, 200)

	t.Run("bad input", func(t *testing.T) {
		r := form(t, admin+"/services", "name=nohost")
		expectStatus(t, "service without host", r, 400)
		if m := r.json(t); m["name"] != "schema violation" || m["fields"] == nil {
			t.Errorf("400 body = %s", r.body)
		}
		expectStatus(t, "duplicate name", form(t, admin+"/services", "name=example", "url=http://127.0.0.1:1/"), 409)
		expectStatus(t, "unknown service", do(t, "GET", admin+"/services/nope", nil, nil), 404)
		expectStatus(t, "nothing stored", do(t, "GET", admin+"/services/nohost", nil, nil), 404)
	})

	example := filepath.Join(repoRoot(t), "sdk/examples/add_header/add_header.wasm")
	up := uploadModule(t, admin, "add-header", example)
	expectStatus(t, "upload module", up, 201)
	expectStatus(t, "enable uploaded plugin", postJSON(t, admin+"/routes/r1/plugins",
		`{"name":"add-header","config":{"header":"x-added","value":"yes"}}`), 201)
	r = do(t, "GET", proxy+"/test", nil, map[string]string{"apikey": "secret"})
	expectStatus(t, "with uploaded plugin", r, 200)
	if got := upstreamSaw(t, r).Headers["X-Added"]; got != "yes" {
		t.Fatalf("upstream did not get the uploaded plugin's header: %v", upstreamSaw(t, r).Headers)
	}
	if r.header.Get("X-Added") != "yes" {
		t.Errorf("client did not get the uploaded plugin's response header: %v", r.header)
	}

	t.Run("restart keeps everything", func(t *testing.T) {
		n.stop(t)
		if _, err := os.Stat(filepath.Join(prefix, "pids/weir.pid")); !os.IsNotExist(err) {
			t.Errorf("pid file left behind: %v", err)
		}
		n.start(t)
		expectStatus(t, "service after restart", do(t, "GET", admin+"/services/example", nil, nil), 200)
		r := do(t, "GET", proxy+"/test", nil, nil)
		expectStatus(t, "key-auth after restart", r, 401)
		r = do(t, "GET", proxy+"/test/bar", nil, map[string]string{"apikey": "secret"})
		expectStatus(t, "proxy after restart", r, 200)
		saw := upstreamSaw(t, r)
		if saw.URL != "/anything/bar" || saw.Headers["X-Consumer-Username"] != "alice" || saw.Headers["X-Added"] != "yes" {
			t.Fatalf("after restart upstream saw %+v", saw)
		}
	})
}

// TestConfigFile starts weir from a kong.conf-style file given with -c.
func TestConfigFile(t *testing.T) {
	bin := buildWeir(t)
	prefix := t.TempDir()
	proxyAddr, adminAddr := freeAddr(t), freeAddr(t)
	file := filepath.Join(prefix, "weir.conf")
	conf := fmt.Sprintf("prefix = %s\nproxy_listen = %s\nadmin_listen = %s\ndatabase = embedded\n", prefix, proxyAddr, adminAddr)
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "start", "-c", file)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + adminAddr + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("weir did not start from the config file:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := do(t, "GET", "http://"+proxyAddr+"/", nil, nil)
	expectStatus(t, "proxy on the configured address", r, 404)
	health := exec.Command(bin, "health", "-p", prefix)
	if b, err := health.CombinedOutput(); err != nil || !strings.Contains(string(b), "healthy") {
		t.Fatalf("weir health: %v %s", err, b)
	}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	found := false
	for sc.Scan() {
		found = found || strings.Contains(sc.Text(), "proxy listening") && strings.Contains(sc.Text(), proxyAddr)
	}
	if !found {
		t.Errorf("no log line saying where the proxy listens:\n%s", out.String())
	}
}

// TestBadConfig: a config weir cannot use stops it at start with a clear message.
func TestBadConfig(t *testing.T) {
	bin := buildWeir(t)
	cmd := exec.Command(bin, "start")
	cmd.Env = append(os.Environ(), "WEIR_PREFIX="+t.TempDir(), "WEIR_DATABASE=mysql")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "database") {
		t.Fatalf("want a start failure naming the database property; err=%v out=%s", err, out)
	}
}

// TestMisbehavingPlugin: a plugin that traps fails its own requests with Kong's 500, and
// the gateway keeps serving; a file that is not a proxy-wasm module is refused on upload.
func TestMisbehavingPlugin(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	fixtures := filepath.Join(repoRoot(t), "testdata/wat")

	r := uploadModule(t, admin, "no-marker", filepath.Join(fixtures, "no_marker.wasm"))
	expectStatus(t, "upload a module without an ABI marker", r, 400)
	if m := r.json(t); m["name"] != "schema violation" {
		t.Errorf("rejection body = %s", r.body)
	}
	expectStatus(t, "nothing stored", do(t, "GET", admin+"/wasm/modules/no-marker", nil, nil), 404)

	expectStatus(t, "upload trap", uploadModule(t, admin, "trap", filepath.Join(fixtures, "trap.wasm")), 201)
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url=http://"+echoAddr+"/"), 201)
	expectStatus(t, "bad route", form(t, admin+"/services/s/routes", "paths[]=/bad", "name=bad"), 201)
	expectStatus(t, "good route", form(t, admin+"/services/s/routes", "paths[]=/good", "name=good"), 201)
	expectStatus(t, "enable trap", postJSON(t, admin+"/routes/bad/plugins", `{"name":"trap"}`), 201)

	for i := 0; i < 3; i++ {
		r := do(t, "GET", proxy+"/bad", nil, nil)
		expectStatus(t, "trapping plugin", r, 500)
		if m := r.json(t); m["message"] != "An unexpected error occurred" || m["request_id"] == "" {
			t.Fatalf("500 body = %s", r.body)
		}
		expectStatus(t, "other routes unaffected", do(t, "GET", proxy+"/good", nil, nil), 200)
	}
	if !strings.Contains(n.logs.String(), "plugin failed") {
		t.Errorf("the trap is not in the log:\n%s", n.logs)
	}
}
