package conf

import (
	"errors"
	"testing"
)

func TestActiveHealthchecks(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want bool
	}{
		{nil, true},
		{[]string{"WEIR_ACTIVE_HEALTHCHECKS=off"}, false},
		{[]string{"KONG_ACTIVE_HEALTHCHECKS=off", "WEIR_ACTIVE_HEALTHCHECKS=on"}, true},
	} {
		c, err := Load("", tc.env)
		if err != nil || c.ActiveHealthchecks != tc.want {
			t.Errorf("%v: %v, %v; want %v", tc.env, c != nil && c.ActiveHealthchecks, err, tc.want)
		}
	}
	if _, err := Load("", []string{"WEIR_ACTIVE_HEALTHCHECKS=sometimes"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad value: %v", err)
	}
}
