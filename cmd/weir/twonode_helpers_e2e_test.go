package main_test

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

// expectOnNode returns a check that a GET of path through proxy (one node of several
// sharing a database) answers want within within: a change made through another
// node's Admin API has reached it. It logs how long that took.
func expectOnNode(t *testing.T, node, proxy string, within time.Duration) func(what, path string, header map[string]string, want int) {
	return func(what, path string, header map[string]string, want int) {
		t.Helper()
		took := eventually(t, within, what+" on "+node, func() error {
			r := do(t, "GET", proxy+path, nil, header)
			if r.status != want {
				return errors.New(strconv.Itoa(r.status) + " " + string(r.body))
			}
			return nil
		})
		t.Logf("%s: in effect on %s after %v", what, node, took)
	}
}

// configureKeyAuthExample makes, through admin, a service to upstream with route r1 on
// /test, then key-auth on it and consumer alice with key "secret", checking each step
// with expect (expectOnNode on the other node).
func configureKeyAuthExample(t *testing.T, admin, upstream string, expect func(what, path string, header map[string]string, want int)) {
	t.Helper()
	expectStatus(t, "service", form(t, admin+"/services", "name=example", "url=http://"+upstream+"/anything"), 201)
	expectStatus(t, "route", form(t, admin+"/services/example/routes", "paths[]=/test", "name=r1"), 201)
	expect("new route", "/test", nil, 200)

	expectStatus(t, "key-auth", form(t, admin+"/services/example/plugins", "name=key-auth"), 201)
	expect("key-auth enabled", "/test", nil, 401)
	expectStatus(t, "consumer", form(t, admin+"/consumers", "username=alice"), 201)
	expectStatus(t, "key", form(t, admin+"/consumers/alice/key-auth", "key=secret"), 201)
	expect("new key", "/test", map[string]string{"apikey": "secret"}, 200)
}
