package main_test

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
)

// TestStatusListen: Kong's Status API on status_listen answers /status, /status/ready
// and /metrics without the Admin API's token, and serves nothing else.
func TestStatusListen(t *testing.T) {
	bin := buildWeir(t)
	status, statusTLS := freeAddr(t), freeAddr(t)
	n := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t),
		extraEnv: []string{"WEIR_STATUS_LISTEN=" + status + ", " + statusTLS + " ssl", "WEIR_ADMIN_TOKEN=s3cret"}}
	n.start(t)
	if !strings.Contains(n.logs.String(), "status API listening") {
		t.Fatalf("start-up does not log the status listener:\n%s", n.logs.String())
	}
	base := "http://" + status
	tests := []struct {
		path, want string
		status     int
	}{
		{"/status", `"database":{"reachable":true}`, 200},
		{"/status/ready", `{"message":"ready"}`, 200},
		{"/metrics", "kong_datastore_reachable 1", 200},
		{"/services", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := do(t, "GET", base+tt.path, nil, nil)
			expectStatus(t, tt.path, r, tt.status)
			if !strings.Contains(string(r.body), tt.want) {
				t.Fatalf("%s: body lacks %q:\n%s", tt.path, tt.want, r.body)
			}
			if got := r.header.Get("Server"); !strings.HasPrefix(got, "kong/") {
				t.Errorf("Server header %q", got)
			}
		})
	}
	// an ssl status listener serves the Admin API's (here self-signed) certificate
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get("https://" + statusTLS + "/status/ready")
	if err != nil {
		t.Fatalf("status over TLS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		t.Fatalf("status over TLS: %d, tls %v", resp.StatusCode, resp.TLS)
	}
	// the Admin API itself still wants its token
	expectStatus(t, "admin without token", do(t, "GET", "http://"+n.admin+"/status", nil, nil), 401)
}
