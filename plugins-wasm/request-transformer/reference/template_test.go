package main

import (
	"errors"
	"testing"
)

func TestRender(t *testing.T) {
	headers := newHeaderTable([][2]string{{":path", "/"}, {"x-a", "1"}, {"x-multi", "a"}, {"x-multi", "b"}, {"x-under-score", "u"}})
	query := parseArgs("q=v&flag&r=1&r=2")
	e := func(name string) namespace {
		switch name {
		case "headers":
			return headers.namespace
		case "query_params":
			return query.namespace
		case "uri_captures":
			return func(k string) value {
				if k == "1" || k == "id" {
					return str("7")
				}
				return value{}
			}
		}
		return nil
	}
	tests := []struct{ tmpl, want string }{
		{"plain", "plain"},
		{"$(headers.x)", ""},
		{`$(headers["x-a"])`, "1"},
		{`$(headers['X-A'])`, "1"},
		{"$(headers.x_under_score)", "u"},
		{`$(headers["x-multi"])`, "a, b"},
		{"$(query_params.q)-$(query_params.flag)", "v-true"},
		{"$(uri_captures.id)/$(uri_captures[1])", "7/7"},
		{`$(query_params.none or headers["x-a"])`, "1"},
		{`$(query_params.none or "dflt")`, "dflt"},
		{"a$(b", "a$(b"},
		{`$(headers["x"`, `$(headers["x"`},
	}
	for _, tt := range tests {
		got, err := render(tt.tmpl, e)
		if err != nil || got != tt.want {
			t.Errorf("render(%q) = %q, %v; want %q", tt.tmpl, got, err, tt.want)
		}
	}
	for _, bad := range []string{"$(os.exit())", "$(headers.x.y)", "$(1 + 2)", "$(type(headers))", "$(nothing.k)"} {
		if _, err := render(bad, e); !errors.Is(err, errTemplate) {
			t.Errorf("render(%q) = %v, want an error", bad, err)
		}
	}
}
