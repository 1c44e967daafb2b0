package weir

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type limits struct {
	Minute int `json:"minute" default:"60" validate:"min=1,max=1000"`
	Hour   int `json:"hour"`
}

type testConfig struct {
	KeyNames []string `json:"key_names" default:"[\"apikey\"]" validate:"min=1"`
	Hide     bool     `json:"hide_credentials"`
	InHeader bool     `json:"key_in_header" default:"true"`
	Realm    string   `json:"realm" default:"weir"`
	Anon     *string  `json:"anonymous"`
	Policy   string   `json:"policy" default:"local" validate:"oneof=local|cluster"`
	Upstream string   `json:"upstream" validate:"required"`
	Limits   limits   `json:"limits"`
	internal int
}

func (c *testConfig) Validate() error {
	for _, k := range c.KeyNames {
		if strings.ContainsAny(k, " !") {
			return fmt.Errorf("key_names: invalid value: %s", k)
		}
	}
	if c.Hide && !c.InHeader {
		return errors.New("hide_credentials needs key_in_header")
	}
	return nil
}

func TestDecodeConfig(t *testing.T) {
	defaults := testConfig{KeyNames: []string{"apikey"}, InHeader: true, Realm: "weir", Policy: "local",
		Upstream: "u", Limits: limits{Minute: 60}}
	with := func(f func(*testConfig)) testConfig { c := defaults; f(&c); return c }
	tests := []struct {
		name    string
		json    string
		want    testConfig
		wantErr string
	}{
		{"defaults", `{"upstream":"u"}`, defaults, ""},
		{"null and empty list take the default", `{"upstream":"u","key_names":[],"key_in_header":null,"realm":null}`, defaults, ""},
		{"given values win", `{"upstream":"u","key_names":["a","b"],"key_in_header":false,"realm":"","anonymous":"x","limits":{"minute":5,"hour":9}}`,
			with(func(c *testConfig) {
				c.KeyNames, c.InHeader, c.Realm = []string{"a", "b"}, false, ""
				x := "x"
				c.Anon, c.Limits = &x, limits{Minute: 5, Hour: 9}
			}), ""},
		{"case-insensitive keys as encoding/json", `{"Upstream":"u"}`, defaults, ""},
		{"required", `{}`, testConfig{}, "config.upstream: required field missing"},
		{"required is not satisfied by null", `{"upstream":null}`, testConfig{}, "config.upstream: required field missing"},
		{"Validate names the field", `{"upstream":"u","key_names":["ok","Bad!"]}`, testConfig{}, "config: key_names: invalid value: Bad!"},
		{"oneof", `{"upstream":"u","policy":"redis"}`, testConfig{}, "config.policy: expected one of: local, cluster"},
		{"nested max", `{"upstream":"u","limits":{"minute":5000}}`, testConfig{}, "config.limits.minute: value must be at most 1000"},
		{"nested min", `{"upstream":"u","limits":{"minute":0}}`, testConfig{}, "config.limits.minute: value must be at least 1"},
		{"type", `{"upstream":"u","key_in_header":"yes"}`, testConfig{}, "config.key_in_header: expected a boolean, got string"},
		{"not an object", `[1]`, testConfig{}, "config: expected a JSON object"},
		{"Validate", `{"upstream":"u","hide_credentials":true,"key_in_header":false}`, testConfig{}, "config: hide_credentials needs key_in_header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeConfig[testConfig]([]byte(tt.json))
			if tt.wantErr != "" {
				var ce *ConfigError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &ce) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeConfig: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeConfigEmptyMeansDefaults(t *testing.T) {
	type c struct {
		N int    `json:"n" default:"3"`
		S string `json:"s" default:"x"`
	}
	for _, in := range []string{"", "  ", "null", "{}"} {
		got, err := DecodeConfig[c]([]byte(in))
		if err != nil || got != (c{N: 3, S: "x"}) {
			t.Fatalf("%q: got %+v, %v", in, got, err)
		}
	}
}

func TestDecodeConfigBadTags(t *testing.T) {
	type badDefault struct {
		N int `json:"n" default:"three"`
	}
	if _, err := DecodeConfig[badDefault](nil); err == nil {
		t.Fatal("a default that is not JSON for its type decoded")
	}
	type badRule struct {
		N int `json:"n" validate:"between=1"`
	}
	if _, err := DecodeConfig[badRule](nil); err == nil {
		t.Fatal("an unknown rule passed")
	}
	if _, err := DecodeConfig[int](nil); err == nil {
		t.Fatal("a non-struct config decoded")
	}
}
