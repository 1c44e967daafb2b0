package pipeline

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/weir-gateway/weir/abi"
)

// TestEarlyResponseHeaders: response headers a plugin sets before there is a response
// (Kong's kong.response.set_header in the access phase) reach the response, the
// upstream's or a local one, replacing fields of the same name; pseudo-headers stay
// the gateway's.
func TestEarlyResponseHeaders(t *testing.T) {
	tests := []struct {
		name       string
		upstream   *fakeUpstream
		wantStatus string
		wantType   []string
	}{
		{"upstream answer", &fakeUpstream{status: "200"}, "200", []string{"application/json"}},
		{"local answer", &fakeUpstream{err: errors.New("connection refused")}, "502", []string{"application/json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPipeline(t, tt.upstream)
			e := newExchange("GET", "/api", "client.example:8000")
			early := e.Map(abi.MapResponseHeaders)
			if early == nil {
				t.Fatal("no response header map before the response")
			}
			early.Add("X-Early", "1")
			early.Add("x-early", "2")
			early.Set("content-type", "application/json")
			early.Set(":status", "299")
			p.Serve(context.Background(), e)

			h := &e.Response.Headers
			if got := h.Value(":status"); got != tt.wantStatus {
				t.Fatalf(":status = %s, want %s", got, tt.wantStatus)
			}
			if got := h.Values("x-early"); !reflect.DeepEqual(got, []string{"1", "2"}) {
				t.Errorf("x-early = %q, want both values", got)
			}
			if got := h.Values("content-type"); !reflect.DeepEqual(got, tt.wantType) {
				t.Errorf("content-type = %q, want %q", got, tt.wantType)
			}
			if e.Map(abi.MapResponseHeaders) != h {
				t.Error("once the response exists, plugins must get its map")
			}
		})
	}
}

// TestEarlyResponseHeadersTable: the early fields replace the response's fields of
// their names and keep their own order and repeats, whether or not the response held
// those names (the second case is the common one, appended in one step).
func TestEarlyResponseHeadersTable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		early [][2]string
		want  [][2]string
	}{
		{"names the upstream also sent", [][2]string{{"x-a", "1"}, {"content-type", "application/json"}, {"x-a", "2"}},
			[][2]string{{":status", "200"}, {"x-a", "1"}, {"content-type", "application/json"}, {"x-a", "2"}}},
		{"names of its own", [][2]string{{"x-a", "1"}, {"x-bb", "2"}, {"x-a", "3"}},
			[][2]string{{":status", "200"}, {"content-type", "text/plain"}, {"x-a", "1"}, {"x-bb", "2"}, {"x-a", "3"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPipeline(t, &fakeUpstream{status: "200"})
			e := newExchange("GET", "/api", "client.example:8000")
			early := e.Map(abi.MapResponseHeaders)
			for _, f := range tc.early {
				early.Add(f[0], f[1])
			}
			p.Serve(context.Background(), e)
			var got [][2]string
			for _, f := range e.Response.Headers.Pairs() {
				if f[0] == ":status" || f[0] == "content-type" || f[0] == "x-a" || f[0] == "x-bb" {
					got = append(got, f)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("response fields %q, want %q", got, tc.want)
			}
		})
	}
}
