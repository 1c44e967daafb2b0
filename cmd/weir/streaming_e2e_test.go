package main_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// TestResponseStreaming: on a route with response_buffering off, the client reads the
// upstream's first chunk while the upstream is still waiting to send the second; the
// upstream waits for that (up to 10 s), so a buffering proxy fails the test by order,
// not by a timing threshold. A buffered route still gets the whole body.
func TestResponseStreaming(t *testing.T) {
	t.Parallel() // its own node and ports; runs after the sequential tests, TestZeroDowntime included
	bin := buildWeir(t)
	n := startNode(t, bin, filepath.Join(t.TempDir(), "prefix"))
	clientGotFirst := make(chan struct{})
	streamed := make(chan bool, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		if r.URL.Path == "/buffered" {
			_, _ = io.WriteString(w, "second\n")
			return
		}
		streamed <- cameFirst(clientGotFirst)
		_, _ = io.WriteString(w, "second\n")
	}))
	defer up.Close()
	admin := "http://" + n.admin
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url="+up.URL), 201)
	expectStatus(t, "streamed route", form(t, admin+"/services/s/routes", "paths[]=/stream", "response_buffering=false", "strip_path=false"), 201)
	expectStatus(t, "buffered route", form(t, admin+"/services/s/routes", "paths[]=/buffered", "strip_path=false"), 201)

	resp, err := http.Get("http://" + n.proxy + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	line, err := r.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first chunk %q, %v", line, err)
	}
	close(clientGotFirst)
	if rest, _ := io.ReadAll(r); string(rest) != "second\n" {
		t.Fatalf("rest %q", rest)
	}
	if !<-streamed {
		t.Fatal("the upstream finished before the client saw its first chunk: the response was buffered")
	}
	if resp.Header.Get("X-Kong-Upstream-Latency") == "" {
		t.Errorf("streamed response lacks Kong's headers: %v", resp.Header)
	}

	b := do(t, "GET", "http://"+n.proxy+"/buffered", nil, nil)
	if b.status != 200 || string(b.body) != "first\nsecond\n" {
		t.Fatalf("buffered route: %d %q", b.status, b.body)
	}
}
