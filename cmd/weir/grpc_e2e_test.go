package main_test

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestGRPCProxy: a grpc service (h2c upstream) behind an h2c proxy listener; a unary
// call's body and trailers (grpc-status) make the round trip, and Kong's 426 / 415
// answer what is not gRPC on a gRPC route. The upstream is net/http speaking gRPC's
// wire shape, so no gRPC library is needed.
func TestGRPCProxy(t *testing.T) {
	t.Parallel() // its own node and ports; runs after the sequential tests, TestZeroDowntime included
	bin := buildWeir(t)
	h2cAddr := freeAddr(t)
	n := &node{binary: bin, prefix: filepath.Join(t.TempDir(), "prefix"), proxy: freeAddr(t), admin: freeAddr(t)}
	n.extraEnv = []string{"WEIR_PROXY_LISTEN=" + n.proxy + ", " + h2cAddr + " http2"}
	n.start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	up := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.ProtoMajor != 2 || r.Header.Get("Te") != "trailers" || r.URL.Path != "/pkg.Svc/Echo" {
			w.Header().Set("Trailer", "Grpc-Status")
			w.Header().Set("Grpc-Status", "3")
			return
		}
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
		_, _ = w.Write(body)
		w.Header().Set("Grpc-Status", "0")
		w.Header().Set("Grpc-Message", "ok")
	})}
	up.Protocols = new(http.Protocols)
	up.Protocols.SetUnencryptedHTTP2(true)
	go func() { _ = up.Serve(ln) }()
	defer up.Close()

	admin := "http://" + n.admin
	expectStatus(t, "service", form(t, admin+"/services", "name=g", "protocol=grpc", "host=127.0.0.1", "port="+strings.Split(ln.Addr().String(), ":")[1]), 201)
	expectStatus(t, "route", form(t, admin+"/services/g/routes", "protocols[]=grpc", "paths[]=/pkg.Svc", "strip_path=false"), 201)

	h2c := &http.Transport{Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: h2c}
	frame := "\x00\x00\x00\x00\x05hello" // a gRPC message: not compressed, 5 bytes
	req, _ := http.NewRequest("POST", "http://"+h2cAddr+"/pkg.Svc/Echo", strings.NewReader(frame))
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("Te", "trailers")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != frame || resp.Trailer.Get("Grpc-Status") != "0" || resp.Trailer.Get("Grpc-Message") != "ok" {
		t.Fatalf("got %d %q trailers %v", resp.StatusCode, body, resp.Trailer)
	}

	for _, tt := range []struct {
		name        string
		client      *http.Client
		contentType string
		want        int
	}{
		{"HTTP/1.1 on a gRPC route", http.DefaultClient, "application/grpc", 426},
		{"not gRPC content", client, "application/json", 415},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr := h2cAddr
			if tt.client == http.DefaultClient {
				addr = n.proxy
			}
			req, _ := http.NewRequest("POST", "http://"+addr+"/pkg.Svc/Echo", strings.NewReader(frame))
			req.Header.Set("Content-Type", tt.contentType)
			resp, err := tt.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
