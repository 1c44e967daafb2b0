package admin

import (
	"testing"
	"time"

	"github.com/weir-gateway/weir/store"
)

func TestKeyAuthRemainingTTL(t *testing.T) {
	ttl, zero := 100, 0
	es := []store.KeyAuthCredential{
		{Key: "a", CreatedAt: 1000, TTL: &ttl}, {Key: "b", CreatedAt: 1000}, {Key: "c", CreatedAt: 1000, TTL: &zero},
	}
	for _, tc := range []struct {
		now  int64
		want int
	}{{1000, 100}, {1040, 60}, {1100, 0}, {5000, 0}} {
		got := keyAuthTTLs(es, time.Unix(tc.now, 0))
		if left := *got[0].(store.KeyAuthCredential).TTL; left != tc.want {
			t.Errorf("at %d: ttl %d, want %d", tc.now, left, tc.want)
		}
	}
	got := keyAuthTTLs(es, time.Unix(1040, 0))
	if got[1].(store.KeyAuthCredential).TTL != nil || *got[2].(store.KeyAuthCredential).TTL != 0 {
		t.Errorf("credentials without a ttl changed: %+v", got)
	}
	if *es[0].TTL != 100 {
		t.Error("the stored ttl changed")
	}
}
