package main_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// TestUpstreamKeepaliveProperties drives the binary: upstream_keepalive_max_requests
// closes a service connection after that many requests, so five requests take three
// connections with a limit of two.
func TestUpstreamKeepaliveProperties(t *testing.T) {
	t.Parallel() // its own node and ports
	var conns atomic.Int32
	svc := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok"))
	}))
	svc.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	svc.Start()
	defer svc.Close()
	n := &node{binary: buildWeir(t), prefix: filepath.Join(t.TempDir(), "prefix"), proxy: freeAddr(t), admin: freeAddr(t),
		extraEnv: []string{"KONG_UPSTREAM_KEEPALIVE_MAX_REQUESTS=2"}}
	n.start(t)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url="+svc.URL), 201)
	expectStatus(t, "route", form(t, admin+"/services/s/routes", "paths[]=/k"), 201)
	for range 5 {
		expectStatus(t, "proxied", do(t, "GET", proxy+"/k", nil, nil), 200)
	}
	if got := conns.Load(); got != 3 {
		t.Fatalf("%d service connections for five requests, want 3", got)
	}
}
