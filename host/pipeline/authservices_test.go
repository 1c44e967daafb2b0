package pipeline

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func hashOf(t *testing.T, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestCheckCacheRemembersSuccessOnly(t *testing.T) {
	c := &checkCache{max: 8}
	h := hashOf(t, "secret")
	if c.check(h, "wrong") {
		t.Fatal("wrong password accepted")
	}
	if c.hit(passwordKey(h, "wrong")) {
		t.Fatal("a failed check was cached")
	}
	if !c.check(h, "secret") || !c.hit(passwordKey(h, "secret")) {
		t.Fatal("right password not accepted and remembered")
	}
	// A changed password has a new hash: the old password no longer matches it.
	h2 := hashOf(t, "other")
	if c.check(h2, "secret") {
		t.Fatal("old password accepted against the new hash")
	}
}

func TestCheckCacheIsBounded(t *testing.T) {
	c := &checkCache{max: 8}
	for i := 0; i < 100; i++ {
		c.add(passwordKey("h", string(rune('a'+i))))
	}
	if n := len(c.cur) + len(c.prev); n > 8 {
		t.Fatalf("cache holds %d entries, bound 8", n)
	}
	// An entry in use survives generations by promotion.
	k := passwordKey("h", "keep")
	c.add(k)
	for i := 0; i < 100; i++ {
		if !c.hit(k) {
			t.Fatalf("entry in use dropped after %d additions", i)
		}
		c.add(passwordKey("x", string(rune('a'+i))))
	}
}
