package main_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// chunked sends body with Transfer-Encoding: chunked and no Content-Length.
func chunked(t *testing.T, rawURL string, body []byte, header map[string]string) *response {
	t.Helper()
	req, err := http.NewRequest("POST", rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

// rawExchange writes a whole HTTP/1.1 request on a fresh connection and reads the
// final response, skipping interim 1xx ones.
func rawExchange(t *testing.T, addr, raw string) *response {
	t.Helper()
	br := sendRaw(t, addr, raw)
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 200 {
			return &response{status: resp.StatusCode, header: resp.Header, body: b}
		}
	}
}

func TestPluginRequestSizeLimiting(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	expectStatus(t, "service", form(t, admin+"/services", "name=echo", "url=http://"+echoAddr+"/"), 201)
	route := func(name string, pairs ...string) {
		t.Helper()
		expectStatus(t, "route "+name, form(t, admin+"/services/echo/routes", "name="+name, "paths[]=/"+name), 201)
		expectStatus(t, "plugin on "+name, form(t, admin+"/routes/"+name+"/plugins", append([]string{"name=request-size-limiting"}, pairs...)...), 201)
	}
	route("bytes", "config.allowed_payload_size=10", "config.size_unit=bytes")
	route("kilobytes", "config.allowed_payload_size=1", "config.size_unit=kilobytes")
	route("megabytes", "config.allowed_payload_size=1")
	route("require", "config.allowed_payload_size=10", "config.size_unit=bytes", "config.require_content_length=true")

	t.Run("schema defaults and checks", func(t *testing.T) {
		r := postJSON(t, admin+"/plugins", `{"name":"request-size-limiting","enabled":false}`)
		expectStatus(t, "defaults", r, 201)
		cfg, _ := r.json(t)["config"].(map[string]any)
		if cfg["allowed_payload_size"] != 128.0 || cfg["size_unit"] != "megabytes" || cfg["require_content_length"] != false {
			t.Errorf("defaults %v", cfg)
		}
		id, _ := r.json(t)["id"].(string)
		expectStatus(t, "delete", do(t, "DELETE", admin+"/plugins/"+id, nil, nil), 204)
		r = postJSON(t, admin+"/plugins", `{"name":"request-size-limiting","config":{"size_unit":"gigabytes"}}`)
		if r.status != 400 || !strings.Contains(string(r.body), `"size_unit":"expected one of: megabytes, kilobytes, bytes"`) {
			t.Errorf("bad unit: %d %s", r.status, r.body)
		}
		r = postJSON(t, admin+"/plugins", `{"name":"request-size-limiting","config":{"allowed_payload_size":1.5}}`)
		if r.status != 400 || !strings.Contains(string(r.body), `"allowed_payload_size":"expected an integer"`) {
			t.Errorf("fractional size: %d %s", r.status, r.body)
		}
	})

	tooLarge := func(t *testing.T, r *response, status int, msg string) {
		t.Helper()
		expectStatus(t, "refused", r, status)
		if m := r.json(t); m["message"] != msg || m["request_id"] != r.header.Get("X-Kong-Request-Id") || len(m) != 2 {
			t.Errorf("body %s, want %q with the request id", r.body, msg)
		}
	}
	post := func(path string, size int) *response {
		return do(t, "POST", proxy+path, bytes.NewReader(bytes.Repeat([]byte("x"), size)), nil)
	}

	t.Run("content-length against the unit, powers of two", func(t *testing.T) {
		for _, tc := range []struct {
			path string
			size int
			ok   bool
		}{
			{"/bytes", 10, true}, {"/bytes", 11, false},
			{"/kilobytes", 1024, true}, {"/kilobytes", 1025, false},
			{"/megabytes", 1 << 20, true}, {"/megabytes", 1<<20 + 1, false},
		} {
			r := post(tc.path, tc.size)
			if tc.ok {
				expectStatus(t, tc.path+" "+strconv.Itoa(tc.size), r, 200)
			} else {
				tooLarge(t, r, 413, "Request size limit exceeded")
			}
		}
	})

	t.Run("chunked body without content-length is measured", func(t *testing.T) {
		expectStatus(t, "small chunked", chunked(t, proxy+"/bytes", []byte("0123456789"), nil), 200)
		tooLarge(t, chunked(t, proxy+"/bytes", []byte("0123456789A"), nil), 413, "Request size limit exceeded")
		tooLarge(t, chunked(t, proxy+"/kilobytes", bytes.Repeat([]byte("y"), 5000), nil), 413, "Request size limit exceeded")
		raw := "POST /bytes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n6789AB\r\n0\r\n\r\n"
		tooLarge(t, rawExchange(t, n.proxy, raw), 413, "Request size limit exceeded")
	})

	t.Run("require_content_length", func(t *testing.T) {
		tooLarge(t, do(t, "GET", proxy+"/require", nil, nil), 411, "A valid Content-Length header is required")
		expectStatus(t, "chunked is measured instead", chunked(t, proxy+"/require", []byte("short"), nil), 200)
		tooLarge(t, chunked(t, proxy+"/require", []byte("much too long"), nil), 413, "Request size limit exceeded")
		expectStatus(t, "with content-length", post("/require", 3), 200)
		expectStatus(t, "no body, no requirement", do(t, "GET", proxy+"/bytes", nil, nil), 200)
	})

	t.Run("Expect: 100-continue gets 417", func(t *testing.T) {
		body := strings.Repeat("z", 20)
		raw := "POST /bytes HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nExpect: 100-Continue \r\n\r\n" + body
		tooLarge(t, rawExchange(t, n.proxy, raw), 417, "Request size limit exceeded")
		raw = "POST /bytes HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nsmall"
		expectStatus(t, "within the limit", rawExchange(t, n.proxy, raw), 200)
	})
}
