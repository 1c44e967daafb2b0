package main_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// TestHTTP2Streaming: the HTTP/2 front end (h2c here) streams as the HTTP/1.1 one does.
// On a route with request_buffering and response_buffering off, the upstream reads the
// client's first chunk while the client still waits to send the second, and the client
// reads the upstream's first chunk while the upstream still waits to send the second.
// Plugins' body callbacks run per chunk (stream-req-upper, stream-upper wrap each
// chunk they see in "<" ">"). A buffering route still gives the upstream the whole
// body with its length.
func TestHTTP2Streaming(t *testing.T) {
	t.Parallel() // its own node and ports
	bin := buildWeir(t)
	h2cAddr := freeAddr(t)
	n := &node{binary: bin, prefix: filepath.Join(t.TempDir(), "prefix"), proxy: freeAddr(t), admin: freeAddr(t)}
	n.extraEnv = []string{"WEIR_PROXY_LISTEN=" + n.proxy + ", " + h2cAddr + " http2"}
	n.start(t)

	upGotFirst, clientGotFirst := make(chan struct{}), make(chan struct{})
	upperGotFirst, rupperClientGotFirst := make(chan struct{}), make(chan struct{})
	respStreamed := make(chan bool, 2)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		br := bufio.NewReader(r.Body)
		switch r.URL.Path {
		case "/both":
			if line, err := br.ReadString('\n'); err != nil || line != "first\n" {
				http.Error(w, fmt.Sprintf("first chunk %q, %v", line, err), 500)
				return
			}
			close(upGotFirst)
			rest, _ := io.ReadAll(br) // an HTTP/1.1 upstream gets the whole request first
			_, _ = io.WriteString(w, "one\n")
			w.(http.Flusher).Flush()
			respStreamed <- cameFirst(clientGotFirst)
			_, _ = io.WriteString(w, "two:"+string(rest))
		case "/upper":
			if chunk, err := br.ReadString('>'); err != nil || chunk != "<FIRST\n>" {
				http.Error(w, fmt.Sprintf("first chunk %q, %v", chunk, err), 500)
				return
			}
			close(upperGotFirst)
			rest, _ := io.ReadAll(br)
			_, _ = w.Write(rest)
		case "/rupper":
			_, _ = io.WriteString(w, "first\n")
			w.(http.Flusher).Flush()
			respStreamed <- cameFirst(rupperClientGotFirst)
			_, _ = io.WriteString(w, "second\n")
		default:
			body, _ := io.ReadAll(br)
			_, _ = fmt.Fprintf(w, "%d:%s", r.ContentLength, body)
		}
	}))
	defer up.Close()

	admin := "http://" + n.admin
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url="+up.URL), 201)
	expectStatus(t, "route both", form(t, admin+"/services/s/routes", "paths[]=/both", "strip_path=false",
		"request_buffering=false", "response_buffering=false"), 201)
	expectStatus(t, "route buffered", form(t, admin+"/services/s/routes", "paths[]=/buffered", "strip_path=false"), 201)
	fixtures := filepath.Join(repoRoot(t), "testdata", "wat")
	for _, p := range []struct{ route, module, option string }{
		{"upper", "stream_req_upper", "request_buffering=false"},
		{"rupper", "stream_upper", "response_buffering=false"},
	} {
		expectStatus(t, "upload "+p.module, uploadModule(t, admin, "h2-"+p.module, filepath.Join(fixtures, p.module+".wasm")), 201)
		expectStatus(t, "route "+p.route, form(t, admin+"/services/s/routes", "name="+p.route, "paths[]=/"+p.route,
			p.option, "strip_path=false"), 201)
		expectStatus(t, "plugin "+p.module, postJSON(t, admin+"/routes/"+p.route+"/plugins",
			fmt.Sprintf(`{"name":"h2-%s","config":{}}`, p.module)), 201)
	}

	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	// post sends "first\n", waits for next (reporting whether it came in time), then
	// sends "second\n"; the body has no length, as a streaming client's.
	post := func(path string, next <-chan struct{}) (*http.Response, <-chan bool) {
		pr, pw := io.Pipe()
		streamed := make(chan bool, 1)
		go func() {
			_, _ = io.WriteString(pw, "first\n")
			streamed <- cameFirst(next)
			_, _ = io.WriteString(pw, "second\n")
			_ = pw.Close()
		}()
		resp, err := client.Post("http://"+h2cAddr+path, "text/plain", pr)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ProtoMajor != 2 {
			t.Fatalf("%s: %s, want HTTP/2", path, resp.Proto)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp, streamed
	}

	t.Run("both ways", func(t *testing.T) {
		resp, reqStreamed := post("/both", upGotFirst)
		r := bufio.NewReader(resp.Body)
		if line, err := r.ReadString('\n'); err != nil || line != "one\n" {
			t.Fatalf("%d: first chunk %q, %v", resp.StatusCode, line, err)
		}
		close(clientGotFirst)
		if rest, _ := io.ReadAll(r); string(rest) != "two:second\n" {
			t.Fatalf("rest %q", rest)
		}
		if !<-reqStreamed {
			t.Error("the client had to send its whole body before the upstream saw the first chunk: the request was buffered")
		}
		if !<-respStreamed {
			t.Error("the upstream finished before the client saw its first chunk: the response was buffered")
		}
	})

	t.Run("request body plugin per chunk", func(t *testing.T) {
		resp, reqStreamed := post("/upper", upperGotFirst)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "<SECOND\n>" {
			t.Fatalf("%d %q: each chunk should have had its own callback", resp.StatusCode, body)
		}
		if !<-reqStreamed {
			t.Error("the upstream saw the first chunk only after the client's end: the request was buffered")
		}
	})

	t.Run("response body plugin per chunk", func(t *testing.T) {
		resp, err := client.Get("http://" + h2cAddr + "/rupper")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		r := bufio.NewReader(resp.Body)
		if chunk, err := r.ReadString('>'); err != nil || chunk != "<FIRST\n>" {
			t.Fatalf("first chunk %q, %v", chunk, err)
		}
		close(rupperClientGotFirst)
		if rest, _ := io.ReadAll(r); string(rest) != "<SECOND\n>" {
			t.Fatalf("rest %q: each chunk should have had its own callback", rest)
		}
		if !<-respStreamed {
			t.Error("the upstream finished before the client saw its first chunk: the response was buffered")
		}
	})

	t.Run("buffered route", func(t *testing.T) {
		done := make(chan struct{})
		close(done)
		resp, _ := post("/buffered", done)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "13:first\nsecond\n" {
			t.Fatalf("%d %q: the upstream should get the whole body with its length", resp.StatusCode, body)
		}
	})
}
