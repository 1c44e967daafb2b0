package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/weir-gateway/weir/store"
)

// noModules is a module table with nothing uploaded.
type noModules struct{ store.Reads[store.WasmModule] }

func (noModules) GetBy(context.Context, string, string) (*store.WasmModule, error) {
	return nil, store.ErrNotFound
}

func validator() *store.Validator { return store.NewValidator(nil, noModules{}) }

// anyModule is a module table where every name is an uploaded module without a schema.
type anyModule struct{ store.Reads[store.WasmModule] }

func (anyModule) GetBy(_ context.Context, _, name string) (*store.WasmModule, error) {
	return &store.WasmModule{Name: name}, nil
}

func fields(t *testing.T, err error) string {
	t.Helper()
	var se *store.Error
	if !errors.As(err, &se) {
		t.Fatalf("want a store error, got %v", err)
	}
	b, _ := json.Marshal(se.Fields)
	return string(b)
}

func TestServiceURL(t *testing.T) {
	tests := []struct {
		url, proto, host string
		port             int
		path             string
	}{
		{"http://127.0.0.1:9999/anything", "http", "127.0.0.1", 9999, "/anything"},
		{"https://example.com", "https", "example.com", 443, ""},
		{"http://example.com/a%20b", "http", "example.com", 80, "/a%20b"},
		{"grpc://example.com:50051", "grpc", "example.com", 50051, ""},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			s, err := validator().Service(map[string]any{"url": tc.url})
			if err != nil {
				t.Fatal(err)
			}
			path := ""
			if s.Path != nil {
				path = *s.Path
			}
			if s.Protocol != tc.proto || s.Host != tc.host || s.Port != tc.port || path != tc.path {
				t.Fatalf("got %s %s %d %q", s.Protocol, s.Host, s.Port, path)
			}
			if s.Retries != 5 || s.ReadTimeout != 60000 || !s.Enabled || len(s.ID) != 36 || s.CreatedAt == 0 {
				t.Fatalf("defaults not filled: %+v", s)
			}
		})
	}
}

func TestEntityErrors(t *testing.T) {
	v := validator()
	uploaded := store.NewValidator(nil, anyModule{})
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"service host with port", func() error { _, err := v.Service(map[string]any{"host": "a.com:80"}); return err },
			`{"host":"must not have a port"}`},
		{"grpc service path", func() error {
			_, err := v.Service(map[string]any{"host": "a", "protocol": "grpc", "path": "/x"})
			return err
		}, `{"@entity":["failed conditional validation given value of field 'protocol'"],"path":"value must be null"}`},
		{"route lower-case method", func() error { _, err := v.Route(map[string]any{"methods": []any{"get"}}); return err },
			`{"methods":["invalid value: get"]}`},
		{"route empty segment", func() error { _, err := v.Route(map[string]any{"paths": []any{"/a//b"}}); return err },
			`{"paths":["must not have empty segments"]}`},
		{"route bad regex", func() error { _, err := v.Route(map[string]any{"paths": []any{"~/(a"}}); return err },
			`{"paths":["invalid regex: '/(a' (error parsing regexp: missing closing ): ` + "`/(a`" + `)"]}`},
		{"route host header", func() error {
			_, err := v.Route(map[string]any{"headers": map[string]any{"Host": []any{"a"}}})
			return err
		}, `{"headers":"cannot contain 'host' header, which must be specified in the 'hosts' attribute"}`},
		{"route two wildcards", func() error { _, err := v.Route(map[string]any{"hosts": []any{"*.a.*"}}); return err },
			`{"hosts":["invalid wildcard: must have at most one wildcard"]}`},
		{"bad id", func() error { _, err := v.Consumer(map[string]any{"id": "x", "username": "u"}); return err },
			`{"id":"expected a valid UUID"}`},
		{"bad tag", func() error { _, err := v.Consumer(map[string]any{"username": "u", "tags": []any{"a,b"}}); return err },
			"{\"tags\":[\"invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences\"]}"},
		{"credential without consumer", func() error { _, err := v.KeyAuthCredential(map[string]any{}); return err },
			`{"consumer":"required field missing"}`},
		{"ordering in an unknown phase", func() error {
			_, err := uploaded.Plugin(context.Background(), map[string]any{"name": "my-plugin",
				"ordering": map[string]any{"before": map[string]any{"log": []any{"acl"}}}})
			return err
		}, `{"ordering":{"before":{"log":"expected one of: access"}}}`},
		{"ordering on a consumer-scoped plugin", func() error {
			_, err := uploaded.Plugin(context.Background(), map[string]any{"name": "my-plugin",
				"consumer": map[string]any{"id": "6f1a1b52-7a5b-4a6c-9d3e-0a1f7a0e2b11"},
				"ordering": map[string]any{"after": map[string]any{"access": []any{"acl"}}}})
			return err
		}, `{"ordering":"cannot be set on a consumer-scoped plugin"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fields(t, tc.run()); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestRouteDefaults(t *testing.T) {
	r, err := validator().Route(map[string]any{"paths": []any{"/a", "~/b$"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal([]any{r.Protocols, r.HTTPSRedirectStatusCode, r.RegexPriority, r.StripPath, r.PathHandling,
		r.PreserveHost, r.RequestBuffering, r.ResponseBuffering})
	if want := `[["http","https"],426,0,true,"v0",false,true,true]`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestGeneratedKey(t *testing.T) {
	consumer := map[string]any{"id": "0b4f7a5c-61e5-4a4e-8f57-1a0f3c7ab001"}
	a, err := validator().KeyAuthCredential(map[string]any{"consumer": consumer})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := validator().KeyAuthCredential(map[string]any{"consumer": consumer})
	if len(a.Key) != 32 || a.Key == b.Key {
		t.Fatalf("keys %q %q", a.Key, b.Key)
	}
}
