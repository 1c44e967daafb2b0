package main_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestZeroDowntime keeps 64 clients busy on a steady route while 1,000 changes go
// through the Admin API: routes added and removed, a plugin on the steady route
// toggled, the service edited, and the plugin's module replaced. No client may see a
// non-2xx answer or a transport error, and the p99 latency during the changes must
// stay within 10x the steady p99 measured before them.
func TestZeroDowntime(t *testing.T) {
	if testing.Short() {
		t.Skip("long end-to-end test")
	}
	bin := buildWeir(t)
	root := repoRoot(t)
	noop, err := os.ReadFile(filepath.Join(root, "sdk/examples/noop/noop.wasm"))
	if err != nil {
		t.Fatalf("%v (run make plugins)", err)
	}
	addHeader, err := os.ReadFile(filepath.Join(root, "sdk/examples/add_header/add_header.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, bin, filepath.Join(t.TempDir(), "prefix"))
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer up.Close()

	expectStatus(t, "service", form(t, admin+"/services", "name=steady", "url="+up.URL), 201)
	expectStatus(t, "route", form(t, admin+"/services/steady/routes", "name=steady", "paths[]=/steady"), 201)
	moduleJSON := func(wasm []byte) string {
		return fmt.Sprintf(`{"name":"swap","module":%q}`, base64.StdEncoding.EncodeToString(wasm))
	}
	expectStatus(t, "module", postJSON(t, admin+"/wasm/modules", moduleJSON(addHeader)), 201)
	plugin := postJSON(t, admin+"/routes/steady/plugins", `{"name":"swap","config":{"header":"x-swap","value":"1"}}`)
	expectStatus(t, "plugin", plugin, 201)
	pluginID := plugin.json(t)["id"].(string)

	var (
		stop      atomic.Bool
		mu        sync.Mutex
		latencies []time.Duration
		failures  []string
		phase     atomic.Int32 // 0 steady, 1 changes
		steady    []time.Duration
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	for c := 0; c < 64; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				start := time.Now()
				resp, err := client.Get(proxy + "/steady")
				d := time.Since(start)
				var problem string
				if err != nil {
					problem = err.Error()
				} else {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode/100 != 2 {
						problem = fmt.Sprintf("status %d", resp.StatusCode)
					}
				}
				mu.Lock()
				if problem != "" {
					failures = append(failures, problem)
				}
				if phase.Load() == 0 {
					steady = append(steady, d)
				} else {
					latencies = append(latencies, d)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(3 * time.Second)
	phase.Store(1)
	started := time.Now()
	for i := 0; i < 1000; i++ {
		var r *response
		switch {
		case i%100 == 99:
			wasm := noop
			if i/100%2 == 1 {
				wasm = addHeader
			}
			r = do(t, "PUT", admin+"/wasm/modules/swap", stringsReader(moduleJSON(wasm)), map[string]string{"Content-Type": "application/json"})
		case i%4 == 0:
			r = form(t, admin+"/services/steady/routes", fmt.Sprintf("name=tmp%d", i), fmt.Sprintf("paths[]=/tmp%d", i))
		case i%4 == 1:
			r = do(t, "DELETE", admin+fmt.Sprintf("/routes/tmp%d", i-1), nil, nil)
		case i%4 == 2:
			r = do(t, "PATCH", admin+"/plugins/"+pluginID, stringsReader(fmt.Sprintf(`{"enabled":%v}`, i%8 != 2)), map[string]string{"Content-Type": "application/json"})
		default:
			r = do(t, "PATCH", admin+"/services/steady", stringsReader(fmt.Sprintf(`{"read_timeout":%d}`, 60000+i)), map[string]string{"Content-Type": "application/json"})
		}
		if r.status/100 != 2 {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("change %d: status %d: %s", i, r.status, r.body)
		}
	}
	elapsed := time.Since(started)
	stop.Store(true)
	wg.Wait()

	if len(failures) > 0 {
		t.Fatalf("%d of %d requests failed during the changes, first: %s", len(failures), len(latencies)+len(steady), failures[0])
	}
	steadyP99, changeP99 := p99(steady), p99(latencies)
	t.Logf("1,000 changes in %s; %d requests during them; p99 steady %s, during changes %s",
		elapsed.Round(time.Millisecond), len(latencies), steadyP99, changeP99)
	if len(latencies) < 1000 {
		t.Fatalf("only %d requests during the changes: the clients stalled", len(latencies))
	}
	if changeP99 > 10*steadyP99 {
		t.Fatalf("p99 during changes %s is more than 10x the steady p99 %s", changeP99, steadyP99)
	}
}

func p99(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)*99/100]
}

func stringsReader(s string) io.Reader { return &stringReader{s: s} }

type stringReader struct{ s string }

func (r *stringReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p, r.s)
	r.s = r.s[n:]
	return n, nil
}

// TestGracefulDrain: on SIGTERM or SIGQUIT a node stops accepting, lets the request
// in flight finish with its answer, and exits.
func TestGracefulDrain(t *testing.T) {
	t.Parallel() // its own node and ports; runs after the sequential tests, TestZeroDowntime included
	bin := buildWeir(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			n := startNode(t, bin, filepath.Join(t.TempDir(), "prefix"))
			admin, proxy := "http://"+n.admin, "http://"+n.proxy
			entered := make(chan struct{}, 1)
			slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				entered <- struct{}{}
				time.Sleep(time.Second)
				_, _ = io.WriteString(w, "finished")
			}))
			defer slow.Close()
			expectStatus(t, "service", form(t, admin+"/services", "name=slow", "url="+slow.URL), 201)
			expectStatus(t, "route", form(t, admin+"/services/slow/routes", "paths[]=/slow"), 201)
			type result struct {
				status int
				body   string
				err    error
			}
			done := make(chan result, 1)
			go func() {
				resp, err := http.Get(proxy + "/slow")
				if err != nil {
					done <- result{err: err}
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				done <- result{status: resp.StatusCode, body: string(b)}
			}()
			<-entered
			if err := n.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			r := <-done
			if r.err != nil || r.status != 200 || r.body != "finished" {
				t.Fatalf("request in flight got %d %q %v, want 200 finished", r.status, r.body, r.err)
			}
			select {
			case <-n.exited:
			case <-time.After(15 * time.Second):
				t.Fatalf("weir did not exit after %s\n%s", sig, n.logs)
			}
			if _, err := http.Get(proxy + "/slow"); err == nil {
				t.Fatal("the proxy still accepts after the drain")
			}
		})
	}
}
