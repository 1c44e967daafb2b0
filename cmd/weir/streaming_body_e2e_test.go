package main_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"
)

// TestStreamedBodyCallbacks: on routes with response_buffering off, the plugins'
// proxy_on_response_body runs per chunk as the body streams. stream-upper wraps each
// chunk it sees in "<" ">" upper-cased, and the client reads the first one while the
// upstream still waits to send the second (up to 10 s, so a buffering proxy fails by
// order, not by timing). stream-hold PAUSEs until end_of_stream, so the host buffers
// and its last callback gets the whole body.
func TestStreamedBodyCallbacks(t *testing.T) {
	t.Parallel() // its own node and ports
	bin := buildWeir(t)
	n := startNode(t, bin, filepath.Join(t.TempDir(), "prefix"))
	clientGotFirst := make(chan struct{})
	streamed := make(chan bool, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		if r.URL.Path == "/upper" {
			streamed <- cameFirst(clientGotFirst)
		} else {
			time.Sleep(50 * time.Millisecond) // a second read for the host
		}
		_, _ = io.WriteString(w, "second\n")
	}))
	defer up.Close()
	admin := "http://" + n.admin
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url="+up.URL), 201)
	streamRoutes(t, admin, "stream", "stream", "response_buffering=false", "upper", "hold")

	resp, err := http.Get("http://" + n.proxy + "/upper")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	chunk, err := r.ReadString('>')
	if err != nil || chunk != "<FIRST\n>" {
		t.Fatalf("first chunk %q, %v", chunk, err)
	}
	close(clientGotFirst)
	if rest, _ := io.ReadAll(r); string(rest) != "<SECOND\n>" {
		t.Fatalf("rest %q: each chunk should have had its own callback", rest)
	}
	if !<-streamed {
		t.Fatal("the upstream finished before the client saw its first chunk: the response was buffered")
	}

	b := do(t, "GET", "http://"+n.proxy+"/hold", nil, nil)
	if b.status != 200 || string(b.body) != "<first\nsecond\n>" {
		t.Fatalf("hold: %d %q, want the whole body in one final callback", b.status, b.body)
	}
}
