package main_test

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// logPost is one request the log collector received.
type logPost struct {
	method string
	header http.Header
	body   []byte
	at     time.Time
}

// logCollector records what http-log sends, per path. /flaky answers its first post
// with 500, /slow... answers after 2 s; everything else 200.
type logCollector struct {
	mu    sync.Mutex
	posts map[string][]logPost
}

func (c *logCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.posts[r.URL.Path] = append(c.posts[r.URL.Path], logPost{method: r.Method, header: r.Header.Clone(), body: body, at: time.Now()})
	n := len(c.posts[r.URL.Path])
	c.mu.Unlock()
	switch {
	case r.URL.Path == "/flaky" && n == 1:
		http.Error(w, "try again", http.StatusInternalServerError)
	case strings.HasPrefix(r.URL.Path, "/slow"):
		time.Sleep(2 * time.Second)
	}
}

// wait returns the posts to path once there are at least n, failing after 10 s.
func (c *logCollector) wait(t *testing.T, path string, n int) []logPost {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		got := append([]logPost(nil), c.posts[path]...)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d posts within 10s, want %d", path, len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *logCollector) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.posts[path])
}

// TestPluginHTTPLog: http-log sends Kong's serialized entry of each request to its
// endpoint, batched as configured (an object per request with batches of one, arrays
// otherwise), with its headers and the URL's user info as Basic auth, retries a batch
// the endpoint refused, reaches https endpoints, and never slows the proxied request.
func TestPluginHTTPLog(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	collector := &logCollector{posts: map[string][]logPost{}}
	plainSrv := httptest.NewServer(collector)
	defer plainSrv.Close()
	tlsSrv := httptest.NewTLSServer(collector)
	defer tlsSrv.Close()
	logAddr := plainSrv.Listener.Addr().String()
	sslAddr := freeAddr(t)
	n := &node{binary: bin, prefix: filepath.Join(t.TempDir(), "prefix"), proxy: freeAddr(t), admin: freeAddr(t)}
	n.extraEnv = []string{"WEIR_PROXY_LISTEN=" + n.proxy + ", " + sslAddr + " ssl"}
	n.start(t)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy

	expectStatus(t, "service", form(t, admin+"/services", "name=echo", "url=http://"+echoAddr), 201)
	for _, r := range []string{"shape", "batch", "retry", "slow", "tls", "drop"} {
		expectStatus(t, "route "+r, form(t, admin+"/services/echo/routes", "name="+r, "paths[]=/"+r), 201)
	}
	httpLog := func(route, config string) {
		t.Helper()
		expectStatus(t, "http-log on "+route, postJSON(t, admin+"/routes/"+route+"/plugins", `{"name":"http-log","config":`+config+`}`), 201)
	}
	httpLog("shape", `{"http_endpoint":"http://logger:s3cret@`+logAddr+`/shape","headers":{"X-Log-Token":"abc"}}`)
	httpLog("batch", `{"http_endpoint":"http://`+logAddr+`/batch","method":"PUT","content_type":"application/json; charset=utf-8",
		"queue":{"max_batch_size":3,"max_coalescing_delay":1.5}}`)
	httpLog("retry", `{"http_endpoint":"http://`+logAddr+`/flaky","queue":{"initial_retry_delay":0.2}}`)
	httpLog("slow", `{"http_endpoint":"http://`+logAddr+`/slow"}`)
	httpLog("tls", `{"http_endpoint":"`+tlsSrv.URL+`/tls"}`)
	httpLog("drop", `{"http_endpoint":"http://`+logAddr+`/slow-drop","queue":{"max_entries":1}}`)
	expectStatus(t, "key-auth", form(t, admin+"/routes/shape/plugins", "name=key-auth"), 201)
	consumer := form(t, admin+"/consumers", "username=alice")
	expectStatus(t, "consumer", consumer, 201)
	cred := form(t, admin+"/consumers/alice/key-auth", "key=secret")
	expectStatus(t, "key", cred, 201)

	t.Run("config as Kong", func(t *testing.T) {
		for name, config := range map[string]string{
			"no endpoint":          `{}`,
			"not a URL":            `{"http_endpoint":"logs.example"}`,
			"method":               `{"http_endpoint":"http://h/","method":"GET"}`,
			"content type":         `{"http_endpoint":"http://h/","content_type":"text/plain"}`,
			"concurrency":          `{"http_endpoint":"http://h/","queue":{"concurrency_limit":2}}`,
			"batch size":           `{"http_endpoint":"http://h/","queue":{"max_batch_size":0}}`,
			"custom_fields_by_lua": `{"http_endpoint":"http://h/","custom_fields_by_lua":{"a":"return 1"}}`,
		} {
			r := postJSON(t, admin+"/plugins", `{"name":"http-log","config":`+config+`}`)
			if r.status != 400 {
				t.Errorf("%s: status %d, want 400: %s", name, r.status, r.body)
			}
		}
		r := do(t, "GET", admin+"/routes/retry/plugins", nil, nil)
		expectStatus(t, "list", r, 200)
		cfg := r.json(t)["data"].([]any)[0].(map[string]any)["config"].(map[string]any)
		q := cfg["queue"].(map[string]any)
		want := map[string]any{"max_batch_size": 1.0, "max_coalescing_delay": 1.0, "max_entries": 10000.0, "max_bytes": nil,
			"max_retry_time": 60.0, "initial_retry_delay": 0.2, "max_retry_delay": 60.0, "concurrency_limit": 1.0}
		if !reflect.DeepEqual(q, want) {
			t.Errorf("queue defaults %v, want %v", q, want)
		}
		if cfg["method"] != "POST" || cfg["content_type"] != "application/json" || cfg["timeout"] != 10000.0 || cfg["keepalive"] != 60000.0 {
			t.Errorf("defaults %v", cfg)
		}
	})

	t.Run("serialized entry", func(t *testing.T) {
		r := do(t, "GET", proxy+"/shape/x?a=1&b&a=2", nil, map[string]string{"apikey": "secret", "Authorization": "Bearer hidden"})
		expectStatus(t, "logged request", r, 200)
		p := collector.wait(t, "/shape", 1)[0]
		if p.method != "POST" || p.header.Get("Content-Type") != "application/json" || p.header.Get("X-Log-Token") != "abc" {
			t.Errorf("sent %s with %v", p.method, p.header)
		}
		if got, want := p.header.Get("Authorization"), "Basic "+base64.StdEncoding.EncodeToString([]byte("logger:s3cret")); got != want {
			t.Errorf("Authorization %q, want %q", got, want)
		}
		var e map[string]any
		if err := json.Unmarshal(p.body, &e); err != nil {
			t.Fatalf("body is not one JSON object: %v\n%s", err, p.body)
		}
		req := e["request"].(map[string]any)
		headers := req["headers"].(map[string]any)
		checks := map[string][2]any{
			"request.method":         {req["method"], "GET"},
			"request.uri":            {req["uri"], "/shape/x?a=1&b&a=2"},
			"request.url":            {req["url"], "http://" + n.proxy + "/shape/x?a=1&b&a=2"},
			"request.id":             {req["id"], r.header.Get("X-Kong-Request-Id")},
			"request.headers.apikey": {headers["apikey"], "secret"},
			"request.headers.authz":  {headers["authorization"], "REDACTED"},
			"request.headers.host":   {headers["host"], n.proxy},
			"response.status":        {e["response"].(map[string]any)["status"], 200.0},
			"upstream_uri":           {e["upstream_uri"], "/x?a=1&b&a=2"},
			"upstream_status":        {e["upstream_status"], "200"},
			"route.name":             {e["route"].(map[string]any)["name"], "shape"},
			"service.name":           {e["service"].(map[string]any)["name"], "echo"},
			"consumer.username":      {e["consumer"].(map[string]any)["username"], "alice"},
			"authenticated_entity":   {e["authenticated_entity"].(map[string]any)["id"], cred.json(t)["id"]},
			"client_ip":              {e["client_ip"], "127.0.0.1"},
			"source":                 {e["source"], "service"},
			"workspace_name":         {e["workspace_name"], "default"},
		}
		for name, c := range checks {
			if !reflect.DeepEqual(c[0], c[1]) {
				t.Errorf("%s = %#v, want %#v", name, c[0], c[1])
			}
		}
		if q := req["querystring"]; !reflect.DeepEqual(q, map[string]any{"a": []any{"1", "2"}, "b": true}) {
			t.Errorf("querystring %v", q)
		}
		for _, k := range []string{"kong", "proxy", "request", "receive"} {
			if _, ok := e["latencies"].(map[string]any)[k].(float64); !ok {
				t.Errorf("latencies.%s missing: %v", k, e["latencies"])
			}
		}
		if size, _ := req["size"].(float64); size <= 0 {
			t.Errorf("request.size %v", req["size"])
		}
		if size, _ := e["response"].(map[string]any)["size"].(float64); size <= 0 {
			t.Errorf("response.size %v", e["response"])
		}
		tries, _ := e["tries"].([]any)
		if len(tries) != 1 || tries[0].(map[string]any)["ip"] != "127.0.0.1" {
			t.Errorf("tries %v", e["tries"])
		}
		if started, _ := e["started_at"].(float64); time.Since(time.UnixMilli(int64(started))) > time.Minute {
			t.Errorf("started_at %v", e["started_at"])
		}

		// a request key-auth refused is logged too, as Kong's log phase runs after an exit
		expectStatus(t, "refused request", do(t, "GET", proxy+"/shape/y", nil, nil), 401)
		p = collector.wait(t, "/shape", 2)[1]
		e = nil
		if err := json.Unmarshal(p.body, &e); err != nil {
			t.Fatal(err)
		}
		if e["response"].(map[string]any)["status"] != 401.0 || e["source"] != "exit" || e["consumer"] != nil || e["upstream_status"] != "" {
			t.Errorf("entry of the 401: %s", p.body)
		}
	})

	t.Run("batches", func(t *testing.T) {
		for i := 0; i < 4; i++ {
			expectStatus(t, "batched request", do(t, "GET", proxy+"/batch", nil, nil), 200)
		}
		posts := collector.wait(t, "/batch", 1)
		var first []map[string]any
		if err := json.Unmarshal(posts[0].body, &first); err != nil || len(first) != 3 {
			t.Fatalf("first batch is not an array of 3 entries: %v\n%s", err, posts[0].body)
		}
		if posts[0].method != "PUT" || posts[0].header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("sent %s with %v", posts[0].method, posts[0].header)
		}
		// the fourth waits for the coalescing delay, then goes alone, still an array
		posts = collector.wait(t, "/batch", 2)
		var second []map[string]any
		if err := json.Unmarshal(posts[1].body, &second); err != nil || len(second) != 1 {
			t.Fatalf("second batch is not an array of 1 entry: %v\n%s", err, posts[1].body)
		}
		if wait := posts[1].at.Sub(posts[0].at); wait < time.Second {
			t.Errorf("the partial batch went after %v, before the coalescing delay", wait)
		}
	})

	t.Run("retry after a 500", func(t *testing.T) {
		expectStatus(t, "request", do(t, "GET", proxy+"/retry", nil, nil), 200)
		posts := collector.wait(t, "/flaky", 2)
		if string(posts[0].body) != string(posts[1].body) {
			t.Errorf("the retry sent another body:\n%s\n%s", posts[0].body, posts[1].body)
		}
		time.Sleep(500 * time.Millisecond)
		if c := collector.count("/flaky"); c != 2 {
			t.Errorf("%d posts, want the refused one and its successful retry", c)
		}
	})

	t.Run("https endpoint, TLS client", func(t *testing.T) {
		expectStatus(t, "request", do(t, "GET", proxy+"/tls", nil, nil), 200)
		p := collector.wait(t, "/tls", 1)[0]
		if !strings.Contains(string(p.body), `"uri":"/tls"`) || strings.Contains(string(p.body), `"tls":`) {
			t.Errorf("body %s", p.body)
		}
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // self-signed
		resp, err := client.Get("https://" + sslAddr + "/tls?over=tls")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		p = collector.wait(t, "/tls", 2)[1]
		var e struct {
			Request struct {
				URL string         `json:"url"`
				TLS map[string]any `json:"tls"`
			} `json:"request"`
		}
		if err := json.Unmarshal(p.body, &e); err != nil {
			t.Fatal(err)
		}
		cipher, _ := e.Request.TLS["cipher"].(string)
		if e.Request.URL != "https://"+sslAddr+"/tls?over=tls" || e.Request.TLS["version"] != "TLSv1.3" ||
			e.Request.TLS["client_verify"] != "NONE" || !strings.HasPrefix(cipher, "TLS_") {
			t.Errorf("request.url %q, request.tls %v", e.Request.URL, e.Request.TLS)
		}
	})

	t.Run("full queue drops the oldest", func(t *testing.T) {
		// the first entry is sent at once and held by the endpoint for 2 s; the second
		// waits in the queue of one, and the third pushes it out
		for _, id := range []string{"1", "2", "3"} {
			expectStatus(t, "request "+id, do(t, "GET", proxy+"/drop?n="+id, nil, nil), 200)
		}
		posts := collector.wait(t, "/slow-drop", 2)
		for i, want := range []string{`"uri":"/drop?n=1"`, `"uri":"/drop?n=3"`} {
			if !strings.Contains(string(posts[i].body), want) {
				t.Errorf("post %d: %s, want %s", i, posts[i].body, want)
			}
		}
		if !strings.Contains(n.logs.String(), "queue full, dropping old entries until processing is successful again") {
			t.Errorf("no error logged for the dropped entry:\n%s", n.logs)
		}
		time.Sleep(300 * time.Millisecond)
		if c := collector.count("/slow-drop"); c != 2 {
			t.Errorf("%d posts, want 2", c)
		}
	})

	t.Run("no added latency", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			start := time.Now()
			expectStatus(t, "request", do(t, "GET", proxy+"/slow", nil, nil), 200)
			if d := time.Since(start); d > 500*time.Millisecond {
				t.Fatalf("request %d took %v behind a log endpoint that takes 2 s", i, d)
			}
		}
		collector.wait(t, "/slow", 1)
	})
}
