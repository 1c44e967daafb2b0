package store_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUpstreamValidation(t *testing.T) {
	tests := []struct {
		name string
		in   string
		errs string // "" when valid
	}{
		{"minimal", `{"name":"backend.internal"}`, ""},
		{"ip name", `{"name":"10.0.0.1"}`, `{"name":"Invalid name; no ip addresses allowed"}`},
		{"name with port", `{"name":"backend:80"}`, `{"name":"Invalid name; no port allowed"}`},
		{"bad hostname", `{"name":"a_b c"}`, `{"name":"Invalid name; must be a valid hostname"}`},
		{"header needs name", `{"name":"u","hash_on":"header"}`, `{"hash_on_header":"required field missing"}`},
		{"fallback after cookie", `{"name":"u","hash_on":"cookie","hash_on_cookie":"c","hash_fallback":"ip"}`, `{"hash_fallback":"expected one of: none"}`},
		{"distinct headers", `{"name":"u","hash_on":"header","hash_on_header":"x","hash_fallback":"header","hash_fallback_header":"X"}`,
			`{"@entity":["values of these fields must be distinct: 'hash_on_header', 'hash_fallback_header'"]}`},
		{"slots", `{"name":"u","slots":5}`, `{"slots":"value should be between 10 and 65536"}`},
		{"health counter", `{"name":"u","healthchecks":{"active":{"healthy":{"successes":300}}}}`,
			`{"healthchecks":{"active":{"healthy":{"successes":"value should be between 0 and 255"}}}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in map[string]any
			if err := json.Unmarshal([]byte(tc.in), &in); err != nil {
				t.Fatal(err)
			}
			_, err := validator().Upstream(in)
			if tc.errs == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := fields(t, err); got != tc.errs {
				t.Fatalf("errors %s, want %s", got, tc.errs)
			}
		})
	}
}

func TestUpstreamDefaults(t *testing.T) {
	u, err := validator().Upstream(map[string]any{"name": "u", "hash_on": "ip"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Algorithm != "consistent-hashing" || u.Slots != 10000 || u.HashOnCookiePath != "/" || u.HashFallback != "none" {
		t.Fatalf("defaults %+v", u)
	}
	var hc map[string]any
	_ = json.Unmarshal(u.Healthchecks, &hc)
	b, _ := json.Marshal(hc["passive"].(map[string]any)["unhealthy"])
	if string(b) != `{"http_failures":0,"http_statuses":[429,500,503],"tcp_failures":0,"timeouts":0}` {
		t.Fatalf("passive.unhealthy %s", b)
	}
	active := hc["active"].(map[string]any)
	if active["concurrency"] != 10.0 || active["http_path"] != "/" || active["https_verify_certificate"] != true {
		t.Fatalf("active %v", active)
	}
}

func TestTargetValidation(t *testing.T) {
	up := map[string]any{"id": "3f1a2c4e-1b2d-4e5f-8a9b-0c1d2e3f4a5b"}
	tests := []struct{ in, want, err string }{
		{"a.example", "a.example:8000", ""},
		{"a.example:80", "a.example:80", ""},
		{"10.0.0.1", "10.0.0.1:8000", ""},
		{"::1", "[::1]:8000", ""},
		{"[::1]:81", "[::1]:81", ""},
		{"a.example:0", "", "not a valid hostname or ip address"},
		{"a b", "", "not a valid hostname or ip address"},
		{"a.example:99999", "", "not a valid hostname or ip address"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			tg, err := validator().Target(map[string]any{"upstream": up, "target": tc.in})
			if tc.err != "" {
				if err == nil || !strings.Contains(fields(t, err), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tg.Target != tc.want || tg.Weight != 100 || tg.CreatedAt == 0 {
				t.Fatalf("target %+v, want %s", tg, tc.want)
			}
		})
	}
	if _, err := validator().Target(map[string]any{"target": "a"}); err == nil || fields(t, err) != `{"upstream":"required field missing"}` {
		t.Fatalf("target without upstream: %v", err)
	}
}

// TestUpstreamHashCoupling: Kong's shorthands between algorithm and hash_on, and the
// hash_fallback rules, on a new upstream.
func TestUpstreamHashCoupling(t *testing.T) {
	tests := []struct {
		name, in string
		algo, on string
		errs     string // "" when valid
	}{
		{"hash_on forces consistent-hashing", `{"name":"u","hash_on":"ip"}`, "consistent-hashing", "ip", ""},
		{"hash_on wins over round-robin", `{"name":"u","algorithm":"round-robin","hash_on":"consumer"}`, "consistent-hashing", "consumer", ""},
		{"hash_on none forces round-robin", `{"name":"u","algorithm":"consistent-hashing","hash_on":"none"}`, "round-robin", "none", ""},
		{"null hash_on is none", `{"name":"u","hash_on":null}`, "round-robin", "none", ""},
		{"least-connections clears hash_on", `{"name":"u","algorithm":"least-connections","hash_on":"ip"}`, "least-connections", "none", ""},
		{"latency clears hash_on", `{"name":"u","algorithm":"latency","hash_on":"header","hash_on_header":"x"}`, "latency", "none", ""},
		{"least-connections alone", `{"name":"u","algorithm":"least-connections"}`, "least-connections", "none", ""},
		{"consistent-hashing needs hash_on", `{"name":"u","algorithm":"consistent-hashing"}`, "", "",
			`{"hash_on":"must not be 'none' when 'algorithm' is 'consistent-hashing'"}`},
		{"fallback after none", `{"name":"u","hash_fallback":"ip"}`, "", "", `{"hash_fallback":"expected one of: none"}`},
		{"fallback after cookie", `{"name":"u","hash_on":"cookie","hash_on_cookie":"c","hash_fallback":"consumer"}`, "", "", `{"hash_fallback":"expected one of: none"}`},
		{"fallback repeats ip", `{"name":"u","hash_on":"ip","hash_fallback":"ip"}`, "", "",
			`{"hash_fallback":"expected one of: none, consumer, header, cookie, path, query_arg, uri_capture"}`},
		{"fallback repeats consumer", `{"name":"u","hash_on":"consumer","hash_fallback":"consumer"}`, "", "",
			`{"hash_fallback":"expected one of: none, ip, header, cookie, path, query_arg, uri_capture"}`},
		{"fallback another kind", `{"name":"u","hash_on":"ip","hash_fallback":"consumer"}`, "consistent-hashing", "ip", ""},
		{"two headers", `{"name":"u","hash_on":"header","hash_on_header":"a","hash_fallback":"header","hash_fallback_header":"b"}`, "consistent-hashing", "header", ""},
		{"same header any case", `{"name":"u","hash_on":"header","hash_on_header":"x-a","hash_fallback":"header","hash_fallback_header":"X-A"}`, "", "",
			`{"@entity":["values of these fields must be distinct: 'hash_on_header', 'hash_fallback_header'"]}`},
		{"same query arg", `{"name":"u","hash_on":"query_arg","hash_on_query_arg":"q","hash_fallback":"query_arg","hash_fallback_query_arg":"q"}`, "", "",
			`{"@entity":["values of these fields must be distinct: 'hash_on_query_arg', 'hash_fallback_query_arg'"]}`},
		{"query args differ by case", `{"name":"u","hash_on":"query_arg","hash_on_query_arg":"q","hash_fallback":"query_arg","hash_fallback_query_arg":"Q"}`, "consistent-hashing", "query_arg", ""},
		{"query arg needs its name", `{"name":"u","hash_on":"query_arg"}`, "", "", `{"hash_on_query_arg":"required field missing"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in map[string]any
			if err := json.Unmarshal([]byte(tc.in), &in); err != nil {
				t.Fatal(err)
			}
			u, err := validator().Upstream(in)
			if tc.errs != "" {
				if err == nil {
					t.Fatalf("valid: %+v", u)
				}
				if got := fields(t, err); got != tc.errs {
					t.Fatalf("errors %s, want %s", got, tc.errs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Algorithm != tc.algo || u.HashOn != tc.on {
				t.Fatalf("algorithm %s, hash_on %s; want %s, %s", u.Algorithm, u.HashOn, tc.algo, tc.on)
			}
		})
	}
}
