package main_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// TestDoubleSlashTargetRoutesByHost drives the binary: a request target that starts
// with two slashes is a path, and the Host header picks the route, as in Kong (nginx);
// fasthttp's URI alone reads "//evil.example/x://y" as a request for host
// evil.example.
func TestDoubleSlashTargetRoutesByHost(t *testing.T) {
	t.Parallel() // its own node and ports
	named := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(name)) }))
		t.Cleanup(s.Close)
		return s
	}
	good, evil := named("good"), named("evil")
	n := &node{binary: buildWeir(t), prefix: filepath.Join(t.TempDir(), "prefix"), proxy: freeAddr(t), admin: freeAddr(t)}
	n.start(t)
	admin := "http://" + n.admin
	expectStatus(t, "service good", form(t, admin+"/services", "name=good", "url="+good.URL), 201)
	expectStatus(t, "service evil", form(t, admin+"/services", "name=evil", "url="+evil.URL), 201)
	expectStatus(t, "route good", form(t, admin+"/services/good/routes", "hosts[]=good.example"), 201)
	expectStatus(t, "route evil", form(t, admin+"/services/evil/routes", "hosts[]=evil.example"), 201)

	for _, tc := range []struct{ target, host, want string }{
		{"//evil.example/x://y", "good.example", "good"},
		{"//evil.example/x://y", "GOOD.example", "good"},
		{"/x", "evil.example", "evil"},
		{"http://evil.example/x", "good.example", "evil"}, // an absolute target's host wins
	} {
		c, err := net.Dial("tcp", n.proxy)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(c, "GET "+tc.target+" HTTP/1.1\r\nHost: "+tc.host+"\r\nConnection: close\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("GET %s, Host %s: %v", tc.target, tc.host, err)
		}
		body, _ := io.ReadAll(resp.Body)
		c.Close()
		if resp.StatusCode != 200 || string(body) != tc.want {
			t.Errorf("GET %s, Host %s: %d %q, want the %s service", tc.target, tc.host, resp.StatusCode, body, tc.want)
		}
	}
}
