package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/store"
)

func TestDoAddrAndConnectErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-host", r.Host)
		w.WriteHeader(204)
	}))
	defer srv.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	svc := &store.Service{Protocol: "http", Host: "nowhere.invalid", Port: 1, Retries: 5, ConnectTimeout: 1000, ReadTimeout: 1000, WriteTimeout: 1000}
	c := New()
	tests := []struct {
		name, addr string
		wantErr    error
	}{
		{"Addr overrides the service", srv.Listener.Addr().String(), nil},
		{"a refused connection is a connect error", closed, pipeline.ErrUpstreamConnect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h pipeline.Headers
			h.Add(":method", "GET")
			req := &pipeline.UpstreamRequest{Method: "GET", Path: "/", Host: "target.example", Headers: &h, Addr: tt.addr, NoRetry: true}
			var resp pipeline.Message
			err := c.Do(context.Background(), svc, req, &resp)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || resp.Headers.Value(":status") != "204" || resp.Headers.Value("x-host") != "target.example" {
				t.Fatalf("err %v, response %v", err, resp.Headers.Pairs())
			}
		})
	}
}

// TestDoSendsTheTargetAsItIs: the request target reaches the service byte for byte
// (no path normalizing, the query untouched) and the Host header as set, through
// weir's own client and through fasthttp's (a streamed response; fasthttp drops an
// empty query's "?").
func TestDoSendsTheTargetAsItIs(t *testing.T) {
	type seen struct{ target, host string }
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.RequestURI, r.Host}
		w.WriteHeader(204)
	}))
	defer srv.Close()
	svc := &store.Service{Protocol: "http", Host: "127.0.0.1", Port: 1, ConnectTimeout: 1000, ReadTimeout: 1000, WriteTimeout: 1000}
	c := New()
	for _, target := range []string{
		"/",
		"/a%2Fb//c/./d/../e",
		"/search?q=a%20b&x=1&x=2",
		"/odd?a=b?c=d",
		"/p;matrix=1?",
		"/%C3%A4?%C3%A4=%F0%9F%98%80",
	} {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s stream %v", target, stream), func(t *testing.T) {
				var h pipeline.Headers
				req := &pipeline.UpstreamRequest{Method: "GET", Path: target, Host: "Target.Example:8080", Headers: &h,
					Addr: srv.Listener.Addr().String(), NoRetry: true, Stream: stream}
				var resp pipeline.Message
				if err := c.Do(context.Background(), svc, req, &resp); err != nil || resp.Headers.Value(":status") != "204" {
					t.Fatalf("err %v, response %v", err, resp.Headers.Pairs())
				}
				if s := resp.Body.Stream(); s != nil {
					s.Close()
				}
				want := seen{target, "Target.Example:8080"}
				if stream {
					want.target = strings.TrimSuffix(target, "?")
				}
				if s := <-got; s != want {
					t.Fatalf("the service saw %+v, want %+v", s, want)
				}
			})
		}
	}
}
