package main_test

import (
	"net"
	"regexp"
	"testing"
)

// TestPluginCorrelationID checks Kong's correlation-id: the three generators, a
// client's id kept, echo_downstream, a custom header name.
func TestPluginCorrelationID(t *testing.T) {
	p := startPluginNode(t)
	p.route(t, "ci-default", "", []string{"/default"}, "correlation-id", `{}`)
	p.route(t, "ci-uuid", "", []string{"/uuid"}, "correlation-id", `{"generator":"uuid","echo_downstream":true}`)
	p.route(t, "ci-tracker", "", []string{"/tracker"}, "correlation-id", `{"generator":"tracker","header_name":"X-Trace"}`)
	uuid := `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`

	t.Run("uuid#counter by default", func(t *testing.T) {
		re := regexp.MustCompile(`^(` + uuid + `)#(\d+)$`)
		var ids []string
		for range 3 {
			r := do(t, "GET", p.proxy+"/default", nil, nil)
			expectStatus(t, "default", r, 200)
			id := sawFull(t, r).header("Kong-Request-ID")
			if !re.MatchString(id) {
				t.Fatalf("Kong-Request-ID %q is not uuid#counter", id)
			}
			if r.header.Get("Kong-Request-ID") != "" {
				t.Errorf("echoed downstream without echo_downstream")
			}
			ids = append(ids, id)
		}
		if ids[0] == ids[1] || ids[1] == ids[2] {
			t.Errorf("ids repeat: %v", ids)
		}
	})
	t.Run("client id kept", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/default", nil, map[string]string{"Kong-Request-ID": "mine-1"})
		if got := sawFull(t, r).header("Kong-Request-ID"); got != "mine-1" {
			t.Errorf("upstream saw %q, want the client's", got)
		}
		r = do(t, "GET", p.proxy+"/uuid", nil, map[string]string{"Kong-Request-ID": "mine-2"})
		if got := sawFull(t, r).header("Kong-Request-ID"); got != "mine-2" {
			t.Errorf("upstream saw %q, want the client's", got)
		}
		expectHeader(t, "echoed client id", r, "Kong-Request-ID", "mine-2")
	})
	t.Run("uuid echoed downstream", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/uuid", nil, nil)
		id := sawFull(t, r).header("Kong-Request-ID")
		if !regexp.MustCompile(`^` + uuid + `$`).MatchString(id) {
			t.Fatalf("Kong-Request-ID %q is not a v4 uuid", id)
		}
		expectHeader(t, "echo_downstream", r, "Kong-Request-ID", id)
	})
	t.Run("tracker", func(t *testing.T) {
		r := do(t, "GET", p.proxy+"/tracker", nil, nil)
		_, port, _ := net.SplitHostPort(p.proxy[len("http://"):])
		re := regexp.MustCompile(`^127\.0\.0\.1-` + port + `-[1-9]\d*-\d+-[1-9]\d*-\d{10}\.\d{3}$`)
		if id := sawFull(t, r).header("X-Trace"); !re.MatchString(id) {
			t.Errorf("X-Trace %q is not server_addr-server_port-pid-connection-requests-time", id)
		}
		if sawFull(t, r).has("Kong-Request-ID") {
			t.Errorf("default header set too")
		}
	})
}
