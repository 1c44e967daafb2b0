package pipeline

import (
	"context"
	"testing"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/store"
)

// TestFindCredentialAuthenticate checks weir.find_credential's authenticate option: a
// match authenticates the request in the same call (Kong's consumer headers, with the
// X-Credential-Identifier Kong's plugin of that kind sends) and returns no entities;
// no match changes nothing.
func TestFindCredentialAuthenticate(t *testing.T) {
	ds := &store.Dataset{
		Consumers:          []store.Consumer{{ID: "c1", Username: strp("alice")}},
		KeyAuthCredentials: []store.KeyAuthCredential{{ID: "k1", Key: "secret", Consumer: &store.Ref{ID: "c1"}}},
		JWTSecrets:         []store.JWTSecret{{ID: "j1", Key: "iss-1", Consumer: &store.Ref{ID: "c1"}}},
	}
	snap, err := snapshot.Build(context.Background(), ds, noModules{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       string
		wantResult string
		wantHeader map[string]string // "" means absent
	}{
		{"key found", `{"kind":"keyauth_credentials","field":"key","value":"secret","authenticate":true}`, `{"found":true}`,
			map[string]string{"x-consumer-id": "c1", "x-consumer-username": "alice", "x-credential-identifier": "k1", "x-anonymous-consumer": ""}},
		{"jwt key found", `{"kind":"jwt_secrets","field":"key","value":"iss-1","authenticate":true}`, `{"found":true}`,
			map[string]string{"x-consumer-id": "c1", "x-credential-identifier": "iss-1"}},
		{"key not found", `{"kind":"keyauth_credentials","field":"key","value":"nope","authenticate":true}`, `{"found":false}`,
			map[string]string{"x-consumer-id": "", "x-credential-identifier": "sent-by-client"}},
		{"without authenticate", `{"kind":"keyauth_credentials","field":"key","value":"secret"}`,
			`{"found":true,"credential":{"id":"k1","created_at":0,"consumer":{"id":"c1"},"key":"secret","ttl":null,"tags":null},"consumer":{"id":"c1","created_at":0,"updated_at":0,"username":"alice","custom_id":null,"tags":null}}`,
			map[string]string{"x-consumer-id": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newExchange("GET", "/", "example.com", [2]string{"x-credential-identifier", "sent-by-client"})
			e.snap = snap
			svc := &Services{}
			res, st := svc.CallForeignFunction(e, fnFindCredential, []byte(tt.args))
			if st != abi.StatusOK || string(res) != tt.wantResult {
				t.Fatalf("result = %s (%v), want %s", res, st, tt.wantResult)
			}
			for k, want := range tt.wantHeader {
				if got := e.Request.Headers.Value(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if authenticated := e.Consumer() != nil; authenticated != (tt.wantHeader["x-consumer-id"] != "") {
				t.Errorf("authenticated = %v", authenticated)
			}
		})
	}
}
