package snapshot

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store"
)

func TestCredentialIndexes(t *testing.T) {
	ttl, zero := 10, 0
	ds := &store.Dataset{
		KeyAuthCredentials: []store.KeyAuthCredential{
			{ID: "k1", Key: "forever", Consumer: ref("c")},
			{ID: "k2", Key: "short", CreatedAt: 1000, TTL: &ttl, Consumer: ref("c")},
			{ID: "k3", Key: "zero", CreatedAt: 1000, TTL: &zero, Consumer: ref("c")},
		},
		JWTSecrets:           []store.JWTSecret{{ID: "j", Key: "iss-1", Consumer: ref("c")}},
		BasicAuthCredentials: []store.BasicAuthCredential{{ID: "b", Username: "bob", Consumer: ref("c")}},
		ACLs: []store.ACL{{Group: "dev", Consumer: ref("c")}, {Group: "ops", Consumer: ref("d")},
			{Group: "admin", Consumer: ref("c")}},
	}
	s, err := Build(context.Background(), ds, priorities{})
	if err != nil {
		t.Fatal(err)
	}
	at := func(sec int64) time.Time { return time.Unix(sec, 0) }
	for _, tc := range []struct {
		key  string
		now  int64
		want bool
	}{
		{"forever", 1 << 40, true}, {"short", 1009, true}, {"short", 1010, false},
		{"zero", 1 << 40, true}, {"missing", 0, false},
	} {
		if got := s.ActiveKeyAuthCredential(tc.key, at(tc.now)) != nil; got != tc.want {
			t.Errorf("key %s at %d: found %v, want %v", tc.key, tc.now, got, tc.want)
		}
	}
	if s.JWTSecret("iss-1") == nil || s.JWTSecret("x") != nil {
		t.Error("jwt secret index")
	}
	if s.BasicAuthCredential("bob") == nil || s.BasicAuthCredentialByID("b") == nil {
		t.Error("basic-auth index")
	}
	if got := s.ConsumerGroups("c"); !reflect.DeepEqual(got, []string{"dev", "admin"}) {
		t.Errorf("groups of c = %q", got)
	}
}
