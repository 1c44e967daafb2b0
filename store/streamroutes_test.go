package store_test

import (
	"encoding/json"
	"testing"
)

// TestStreamRouteChecks: Kong's rules for stream routes (routes_subschemas and the
// ip_or_cidr typedef).
func TestStreamRouteChecks(t *testing.T) {
	tests := []struct {
		name, in, want string // want: the field errors, "" when valid
	}{
		{"destination port", `{"protocols":["tcp"],"destinations":[{"port":9000}]}`, ""},
		{"source cidr and port", `{"protocols":["tcp","tls"],"sources":[{"ip":"10.0.0.0/8","port":1}]}`, ""},
		{"ipv6", `{"protocols":["tcp"],"sources":[{"ip":"2001:db8::/32"}]}`, ""},
		{"tls sni", `{"protocols":["tls"],"snis":["a.test"]}`, ""},
		{"udp", `{"protocols":["udp"],"destinations":[{"port":53}]}`, ""},
		{"passthrough", `{"protocols":["tls_passthrough"],"snis":["a.test"]}`, ""},
		{"bad ip", `{"protocols":["tcp"],"sources":[{"port":1},{"ip":"10.0.0.300"}]}`,
			`{"sources":[null,{"ip":"invalid ip or cidr range: '10.0.0.300'"}]}`},
		{"empty entry", `{"protocols":["tcp"],"destinations":[{}]}`,
			`{"destinations":[{"@entity":["at least one of these fields must be non-empty: 'ip', 'port'"]}]}`},
		{"no attribute", `{"protocols":["tcp"]}`,
			`{"@entity":["must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'"]}`},
		{"tcp with tls_passthrough", `{"protocols":["tls_passthrough","tcp"],"snis":["a.test"]}`,
			`{"protocols":"these sets are mutually exclusive: ('tls_passthrough'), ('tcp', 'tls', 'udp')"}`},
		{"sni on tcp only", `{"protocols":["tcp"],"snis":["a.test"]}`,
			`{"@entity":["'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in map[string]any
			if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
				t.Fatal(err)
			}
			_, err := validator().Route(in)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if got := fields(t, err); got != tt.want {
				t.Errorf("errors %s, want %s", got, tt.want)
			}
		})
	}
}
