package main_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"
)

// TestStreamedRequestBody: on routes with request_buffering off, the client's body is
// not read whole first: each chunk goes through the plugins' proxy_on_request_body as
// it arrives and on to the upstream. stream-req-upper wraps each chunk it sees in "<"
// ">" upper-cased, and the upstream reads the first one while the client still waits
// to send the second (up to 10 s, so a buffering proxy fails by order, not by timing).
// stream-req-hold PAUSEs until end_of_stream, so the host buffers and its last
// callback gets the whole body.
func TestStreamedRequestBody(t *testing.T) {
	t.Parallel() // its own node and ports
	bin := buildWeir(t)
	n := startNode(t, bin, filepath.Join(t.TempDir(), "prefix"))
	upstreamGotFirst := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		br := bufio.NewReader(r.Body)
		if r.URL.Path == "/upper" {
			chunk, err := br.ReadString('>')
			if err != nil || chunk != "<FIRST\n>" {
				http.Error(w, fmt.Sprintf("first chunk %q, %v", chunk, err), 500)
				return
			}
			close(upstreamGotFirst)
		}
		rest, _ := io.ReadAll(br)
		_, _ = w.Write(rest)
	}))
	defer up.Close()
	admin := "http://" + n.admin
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url="+up.URL), 201)
	streamRoutes(t, admin, "stream-req", "stream_req", "request_buffering=false", "upper", "hold")

	// post sends "first\n", waits for next, then sends "second\n", all as one chunked
	// body, and returns the upstream's answer (which echoes what it read).
	post := func(path string, next <-chan struct{}) (int, string, bool) {
		pr, pw := io.Pipe()
		streamed := make(chan bool, 1)
		go func() {
			_, _ = io.WriteString(pw, "first\n")
			streamed <- cameFirst(next)
			_, _ = io.WriteString(pw, "second\n")
			_ = pw.Close()
		}()
		resp, err := http.Post("http://"+n.proxy+path, "text/plain", pr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), <-streamed
	}

	status, body, streamed := post("/upper", upstreamGotFirst)
	if status != 200 || body != "<SECOND\n>" {
		t.Fatalf("upper: %d %q: each chunk should have had its own callback", status, body)
	}
	if !streamed {
		t.Fatal("the client had to send its whole body before the upstream saw the first chunk: the request was buffered")
	}

	pause := make(chan struct{})
	go func() { time.Sleep(50 * time.Millisecond); close(pause) }() // a second chunk for the host
	status, body, _ = post("/hold", pause)
	if status != 200 || body != "<first\nsecond\n>" {
		t.Fatalf("hold: %d %q, want the whole body in one final callback", status, body)
	}
}
