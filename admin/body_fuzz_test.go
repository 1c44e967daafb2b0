package admin

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzFormTree: any urlencoded body either decodes into a tree or is refused with an
// error; it never panics, and every key of the input leads to a node of the tree.
func FuzzFormTree(f *testing.F) {
	for _, seed := range []string{
		"name=x&url=http://a", "paths[]=/a&paths[]=/b", "paths[1]=/a&paths[2]=/b",
		"config.minute=5&config.redis.host=r", "headers[x-foo]=v", "a=", "a[=1", "a]b=1",
		"a.b=1&a=2", "a=1&a.b=2", "[]=1", ".=1", "a..b=1", "a[b][c][]=1&a[b][c][]=",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		vals, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		tree, err := formTree(vals)
		if err != nil {
			return
		}
		if len(vals) > 0 && len(tree) == 0 {
			t.Fatalf("%q decoded to an empty tree", raw)
		}
	})
}

// FuzzReadBody: every body in every accepted encoding is decoded or refused with an
// error, never a panic, and a decoded body always has a field map.
func FuzzReadBody(f *testing.F) {
	f.Add("application/json", []byte(`{"name":"x","config":{"a":[1,2]}}`))
	f.Add("application/json", []byte(`[1,2]`))
	f.Add("application/json", []byte(`null`))
	f.Add("application/x-www-form-urlencoded", []byte("paths[]=/a&name="))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--X--\r\n"))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"m\"; filename=\"m.wasm\"\r\n\r\n\x00asm\r\n--X--\r\n"))
	f.Add("multipart/form-data", []byte("--X--"))
	f.Fuzz(func(t *testing.T, contentType string, raw []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(raw))
		r.Header.Set("Content-Type", contentType)
		b, err := readBody(r)
		if err != nil {
			if errors.Is(err, errBadJSON) || err.Error() != "" {
				return
			}
			t.Fatal("empty error")
		}
		if b.fields == nil {
			t.Fatalf("decoded body without fields: %q %q", contentType, raw)
		}
	})
}
