package weir

import (
	"reflect"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	calls := fakeHost(t, map[string]string{fnCheckPassword: `{"ok":true}`})
	ok, err := CheckPassword("cred-1", "pw")
	if err != nil || !ok {
		t.Fatalf("CheckPassword = %v, %v", ok, err)
	}
	want := []string{`weir.check_password {"credential_id":"cred-1","password":"pw"}`}
	if !reflect.DeepEqual(*calls, want) {
		t.Fatalf("calls = %q, want %q", *calls, want)
	}
}

func TestConsumerGroups(t *testing.T) {
	fakeHost(t, map[string]string{fnConsumerGroups: `{"groups":["a","b"]}`})
	groups, ok, err := ConsumerGroups()
	if err != nil || !ok || !reflect.DeepEqual(groups, []string{"a", "b"}) {
		t.Fatalf("ConsumerGroups = %v, %v, %v", groups, ok, err)
	}
	fakeHost(t, map[string]string{}) // NOT_FOUND: no consumer
	if groups, ok, err := ConsumerGroups(); err != nil || ok || groups != nil {
		t.Fatalf("without a consumer: %v, %v, %v", groups, ok, err)
	}
}

func TestAuthenticateCredential(t *testing.T) {
	calls := fakeHost(t, map[string]string{fnAuthenticate: ``})
	if err := AuthenticateCredential("c", "id", "key-1"); err != nil {
		t.Fatal(err)
	}
	want := []string{`weir.authenticate {"consumer_id":"c","credential_id":"id","identifier":"key-1"}`}
	if !reflect.DeepEqual(*calls, want) {
		t.Fatalf("calls = %q, want %q", *calls, want)
	}
}

func TestCredentialDecode(t *testing.T) {
	var c Credential
	if err := c.UnmarshalJSON([]byte(`{"id":"j","key":"k","algorithm":"RS256","rsa_public_key":"PEM"}`)); err != nil {
		t.Fatal(err)
	}
	var s JWTSecret
	if err := c.Decode(&s); err != nil || s.Key != "k" || s.Algorithm != "RS256" || *s.RSAPublicKey != "PEM" {
		t.Fatalf("Decode = %+v, %v", s, err)
	}
}
