package main_test

import (
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// grpcFrame is one gRPC message on the wire: not compressed, 4-byte length, payload.
func grpcFrame(msg string) []byte {
	b := make([]byte, 5, 5+len(msg))
	binary.BigEndian.PutUint32(b[1:], uint32(len(msg)))
	return append(b, msg...)
}

// readGRPC reads one gRPC message; io.EOF at a clean end of the stream.
func readGRPC(r io.Reader) (string, error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return "", err
	}
	msg := make([]byte, binary.BigEndian.Uint32(head[1:]))
	if _, err := io.ReadFull(r, msg); err != nil {
		return "", err
	}
	return string(msg), nil
}

// readGRPCWithin is readGRPC that gives up after streamOrderWait, so a proxy holding
// the message fails the test instead of hanging it.
func readGRPCWithin(r io.Reader) (string, error) {
	type result struct {
		msg string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		msg, err := readGRPC(r)
		ch <- result{msg, err}
	}()
	select {
	case res := <-ch:
		return res.msg, res.err
	case <-time.After(streamOrderWait):
		return "", fmt.Errorf("no message within %s: held by the proxy", streamOrderWait)
	}
}

// grpcSync is what one streaming call's two ends tell each other, so the test knows a
// message went through before the next one was sent (up to streamOrderWait, so a
// buffering proxy fails by order, not timing).
type grpcSync struct {
	clientGotFirst   chan struct{} // the client read the server's first message
	upstreamGotFirst chan struct{} // the service read the client's first message
}

// grpcStreamingService serves pkg.Svc's three streaming methods over net/http (h2c or
// TLS), speaking gRPC's wire shape by hand; now returns the current call's sync.
func grpcStreamingService(now func() *grpcSync) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sy := now()
		f := w.(http.Flusher)
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
		w.WriteHeader(200)
		f.Flush()
		status, message := "0", "done"
		switch r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:] {
		case "ServerStream": // one request, three answers; the last after the client saw the first
			req, err := readGRPC(r.Body)
			if err != nil {
				status, message = "3", "no request"
				break
			}
			_, _ = w.Write(grpcFrame(req + "-1"))
			f.Flush()
			if !cameFirst(sy.clientGotFirst) {
				status, message = "4", "the client never got the first message"
				break
			}
			_, _ = w.Write(grpcFrame(req + "-2"))
			_, _ = w.Write(grpcFrame(req + "-3"))
		case "ClientStream": // messages until the client half-closes, then one answer
			var got []string
			for {
				msg, err := readGRPC(r.Body)
				if err != nil {
					break
				}
				if len(got) == 0 {
					close(sy.upstreamGotFirst)
				}
				got = append(got, msg)
			}
			_, _ = w.Write(grpcFrame(strings.Join(got, "+")))
		case "Bidi": // each message echoed as it comes
			for {
				msg, err := readGRPC(r.Body)
				if err != nil {
					break
				}
				_, _ = w.Write(grpcFrame("echo:" + msg))
				f.Flush()
			}
		case "Raw": // the request's bytes as they arrived, in one message
			body, _ := io.ReadAll(r.Body)
			_, _ = w.Write(grpcFrame(string(body)))
		default:
			status, message = "12", "unknown method"
		}
		w.Header().Set("Grpc-Status", status)
		w.Header().Set("Grpc-Message", message)
	})
}

// TestGRPCStreaming: server-, client- and bidi-streaming calls through weir, on an h2c
// and a TLS (ALPN h2) listener, to a grpc (h2c) and a grpcs service. Each message gets
// through while the call is open (the next one waits for it), and the trailers come
// at the end.
func TestGRPCStreaming(t *testing.T) {
	t.Parallel() // its own node and ports
	bin := buildWeir(t)
	h2cAddr, tlsAddr := freeAddr(t), freeAddr(t)
	n := &node{binary: bin, prefix: filepath.Join(t.TempDir(), "prefix"), proxy: freeAddr(t), admin: freeAddr(t)}
	n.extraEnv = []string{"WEIR_PROXY_LISTEN=" + n.proxy + ", " + h2cAddr + " http2, " + tlsAddr + " ssl http2"}
	n.start(t)

	var mu sync.Mutex
	var cur *grpcSync
	now := func() *grpcSync { mu.Lock(); defer mu.Unlock(); return cur }

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h2c := &http.Server{Handler: grpcStreamingService(now), Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	go func() { _ = h2c.Serve(ln) }()
	defer h2c.Close()
	tlsUp := httptest.NewUnstartedServer(grpcStreamingService(now))
	tlsUp.EnableHTTP2 = true
	tlsUp.StartTLS()
	defer tlsUp.Close()

	admin := "http://" + n.admin
	port := func(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }
	expectStatus(t, "grpc service", form(t, admin+"/services", "name=g", "protocol=grpc", "host=127.0.0.1", "port="+port(ln.Addr().String())), 201)
	expectStatus(t, "grpcs service", form(t, admin+"/services", "name=gs", "protocol=grpcs", "host=127.0.0.1", "port="+port(tlsUp.Listener.Addr().String())), 201)
	expectStatus(t, "grpc route", form(t, admin+"/services/g/routes", "protocols[]=grpc", "protocols[]=grpcs", "paths[]=/plain.Svc", "strip_path=false"), 201)
	expectStatus(t, "grpcs route", form(t, admin+"/services/gs/routes", "protocols[]=grpc", "protocols[]=grpcs", "paths[]=/secure.Svc", "strip_path=false"), 201)

	// a plugin with a request body callback: the body reaches it chunk by chunk, and the
	// upstream gets it once the plugin saw it all
	expectStatus(t, "filtered route", form(t, admin+"/services/g/routes", "name=filtered", "protocols[]=grpc", "paths[]=/filtered.Svc", "strip_path=false"), 201)
	expectStatus(t, "upload", uploadModule(t, admin, "grpc-req-upper", filepath.Join(repoRoot(t), "testdata", "wat", "stream_req_upper.wasm")), 201)
	expectStatus(t, "plugin", postJSON(t, admin+"/routes/filtered/plugins", `{"name":"grpc-req-upper","config":{}}`), 201)

	h2cClient := &http.Transport{Protocols: new(http.Protocols)}
	h2cClient.Protocols.SetUnencryptedHTTP2(true)
	tlsClient := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, Protocols: new(http.Protocols)} //nolint:gosec // self-signed
	tlsClient.Protocols.SetHTTP2(true)
	defer h2cClient.CloseIdleConnections()
	defer tlsClient.CloseIdleConnections()

	// call opens a streaming call and sends first (closing the request when last):
	// the request body is a pipe the caller writes more messages to. It returns once
	// the response head arrived, which a proxy reading the whole request first holds
	// until the client's end.
	call := func(t *testing.T, rt http.RoundTripper, url string, last bool, first ...string) (*io.PipeWriter, *http.Response) {
		t.Helper()
		pr, pw := io.Pipe()
		req, _ := http.NewRequest("POST", url, pr)
		req.Header.Set("Content-Type", "application/grpc")
		req.Header.Set("Te", "trailers")
		go func() {
			for _, m := range first {
				if _, err := pw.Write(grpcFrame(m)); err != nil {
					return
				}
			}
			if last {
				_ = pw.Close()
			}
		}()
		type result struct {
			resp *http.Response
			err  error
		}
		ch := make(chan result, 1)
		go func() {
			resp, err := rt.RoundTrip(req)
			ch <- result{resp, err}
		}()
		var resp *http.Response
		select {
		case res := <-ch:
			if res.err != nil {
				t.Fatal(res.err)
			}
			resp = res.resp
		case <-time.After(streamOrderWait):
			_ = pw.CloseWithError(io.ErrClosedPipe)
			t.Fatal("no response head while the request was open: the proxy waited for the whole request")
		}
		t.Cleanup(func() { _ = pw.Close(); _ = resp.Body.Close() })
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/grpc" {
			t.Fatalf("head: %d %v", resp.StatusCode, resp.Header)
		}
		return pw, resp
	}
	// finish reads the rest of the response and checks the trailers.
	finish := func(t *testing.T, resp *http.Response, want ...string) {
		t.Helper()
		defer resp.Body.Close()
		for _, w := range want {
			msg, err := readGRPC(resp.Body)
			if err != nil || msg != w {
				t.Fatalf("message %q, %v; want %q", msg, err, w)
			}
		}
		if msg, err := readGRPC(resp.Body); err != io.EOF {
			t.Fatalf("after the last message: %q, %v; want the end", msg, err)
		}
		if s, m := resp.Trailer.Get("Grpc-Status"), resp.Trailer.Get("Grpc-Message"); s != "0" || m != "done" {
			t.Fatalf("trailers grpc-status %q grpc-message %q, want 0 done", s, m)
		}
	}

	t.Run("request body plugin", func(t *testing.T) {
		sy := &grpcSync{clientGotFirst: make(chan struct{}), upstreamGotFirst: make(chan struct{})}
		mu.Lock()
		cur = sy
		mu.Unlock()
		_, resp := call(t, h2cClient, "http://"+h2cAddr+"/filtered.Svc/Raw", true, "ab")
		finish(t, resp, "<"+string(grpcFrame("AB"))+">")
	})

	for _, front := range []struct {
		name string
		rt   http.RoundTripper
		base string
	}{{"h2c", h2cClient, "http://" + h2cAddr}, {"tls", tlsClient, "https://" + tlsAddr}} {
		for _, svc := range []struct{ name, pkg string }{{"grpc", "/plain.Svc"}, {"grpcs", "/secure.Svc"}} {
			url := front.base + svc.pkg
			sy := func() *grpcSync {
				s := &grpcSync{clientGotFirst: make(chan struct{}), upstreamGotFirst: make(chan struct{})}
				mu.Lock()
				cur = s
				mu.Unlock()
				return s
			}
			t.Run(fmt.Sprintf("%s to %s/server streaming", front.name, svc.name), func(t *testing.T) {
				s := sy()
				_, resp := call(t, front.rt, url+"/ServerStream", true, "hi")
				if msg, err := readGRPCWithin(resp.Body); err != nil || msg != "hi-1" {
					t.Fatalf("first message %q, %v", msg, err)
				}
				close(s.clientGotFirst) // the service sends the rest only now
				finish(t, resp, "hi-2", "hi-3")
			})
			t.Run(fmt.Sprintf("%s to %s/client streaming", front.name, svc.name), func(t *testing.T) {
				s := sy()
				pw, resp := call(t, front.rt, url+"/ClientStream", false, "a")
				if !cameFirst(s.upstreamGotFirst) {
					t.Fatal("the service did not get the first message while the call was open: the request was buffered")
				}
				_, _ = pw.Write(grpcFrame("b"))
				_, _ = pw.Write(grpcFrame("c"))
				_ = pw.Close()
				finish(t, resp, "a+b+c")
			})
			t.Run(fmt.Sprintf("%s to %s/bidi streaming", front.name, svc.name), func(t *testing.T) {
				sy()
				pw, resp := call(t, front.rt, url+"/Bidi", false)
				for _, m := range []string{"x", "y", "z"} {
					_, _ = pw.Write(grpcFrame(m))
					// the answer to each message arrives before the next is sent
					if msg, err := readGRPCWithin(resp.Body); err != nil || msg != "echo:"+m {
						t.Fatalf("answer to %q: %q, %v", m, msg, err)
					}
				}
				_ = pw.Close()
				finish(t, resp)
			})
		}
	}
}
