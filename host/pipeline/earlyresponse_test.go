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
