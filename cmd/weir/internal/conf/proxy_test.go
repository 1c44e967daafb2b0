package conf

import (
	"strings"
	"testing"
	"time"

	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/host/upstream"
)

func TestProxyListenFlags(t *testing.T) {
	c, err := Load("", []string{"KONG_PROXY_LISTEN=0.0.0.0:8000, 0.0.0.0:8443 ssl http2 reuseport, 127.0.0.1:8001 http2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ProxyListen) != 3 || strings.Join(c.ProxyListen[1].Flags, " ") != "ssl http2 reuseport" || c.ProxyListen[2].Flags[0] != "http2" {
		t.Fatalf("got %+v", c.ProxyListen)
	}
}

func TestProxyProperties(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		check   func(p Proxy) bool
		wantErr string
	}{
		{"defaults", nil, func(p Proxy) bool {
			return p.AccessLog == "logs/access.log" && !p.AccessLogJSON && p.Headers.RealIPHeader == "x-real-ip" &&
				p.Headers.Downstream == pipeline.DefaultHeaderOptions().Downstream && p.Headers.Upstream == pipeline.HeaderRequestID &&
				len(p.Headers.TrustedIPs) == 0 && p.Keepalive == upstream.DefaultKeepalive
		}, ""},
		{"keep-alive", []string{"KONG_UPSTREAM_KEEPALIVE_POOL_SIZE=0", "WEIR_UPSTREAM_KEEPALIVE_MAX_REQUESTS=100", "KONG_UPSTREAM_KEEPALIVE_IDLE_TIMEOUT=5"},
			func(p Proxy) bool {
				return p.Keepalive == upstream.Keepalive{PoolSize: 0, MaxRequests: 100, IdleTimeout: 5 * time.Second}
			}, ""},
		{"bad keep-alive pool", []string{"KONG_UPSTREAM_KEEPALIVE_POOL_SIZE=-1"}, nil, "upstream_keepalive_pool_size"},
		{"bad keep-alive timeout", []string{"KONG_UPSTREAM_KEEPALIVE_IDLE_TIMEOUT=1.5"}, nil, "upstream_keepalive_idle_timeout"},
		{"json access log", []string{"KONG_PROXY_ACCESS_LOG=/tmp/a.log json"}, func(p Proxy) bool { return p.AccessLog == "/tmp/a.log" && p.AccessLogJSON }, ""},
		{"access log off", []string{"WEIR_PROXY_ACCESS_LOG=off"}, func(p Proxy) bool { return p.AccessLog == "off" }, ""},
		{"trusted and recursive", []string{"KONG_TRUSTED_IPS=0.0.0.0/0,::/0", "KONG_REAL_IP_HEADER=X-Forwarded-For", "KONG_REAL_IP_RECURSIVE=on"},
			func(p Proxy) bool {
				return len(p.Headers.TrustedIPs) == 2 && p.Headers.RealIPHeader == "x-forwarded-for" && p.Headers.RealIPRecursive
			}, ""},
		{"headers off", []string{"KONG_HEADERS=off", "KONG_HEADERS_UPSTREAM=off"}, func(p Proxy) bool { return p.Headers.Downstream == 0 && p.Headers.Upstream == 0 }, ""},
		{"bad header", []string{"KONG_HEADERS=server_tokens,nope"}, nil, "headers:"},
		{"bad format", []string{"KONG_PROXY_ACCESS_LOG=logs/a.log fancy"}, nil, "proxy_access_log"},
		{"bad trusted ip", []string{"KONG_TRUSTED_IPS=1.2.3"}, nil, "trusted_ips"},
		{"bad recursive", []string{"KONG_REAL_IP_RECURSIVE=maybe"}, nil, "real_ip_recursive"},
		{"ssl cert without key", []string{"KONG_SSL_CERT=/a.crt"}, nil, "ssl_cert and ssl_cert_key"},
		{"ssl cert pair", []string{"KONG_SSL_CERT=/a.crt", "KONG_SSL_CERT_KEY=/a.key"}, func(p Proxy) bool { return p.SSLCert == "/a.crt" && p.SSLCertKey == "/a.key" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("", tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one about %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c.Proxy) {
				t.Fatalf("got %+v", c.Proxy)
			}
		})
	}
}
