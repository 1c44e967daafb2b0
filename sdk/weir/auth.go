package weir

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Foreign functions for the auth plugins (see weir's docs/foreign-functions.md).
const (
	fnCheckPassword  = "weir.check_password"
	fnConsumerGroups = "weir.consumer_groups"
)

// JWTSecret is a JWT credential (Kong's jwt_secrets), decoded from Credential.Raw.
type JWTSecret struct {
	ID           string  `json:"id"`
	Key          string  `json:"key"`
	Secret       string  `json:"secret"`
	RSAPublicKey *string `json:"rsa_public_key"`
	Algorithm    string  `json:"algorithm"`
}

// BasicAuthCredential is a basic-auth credential (Kong's basicauth_credentials),
// decoded from Credential.Raw. Its password is a hash: check one with CheckPassword.
type BasicAuthCredential struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// Decode unmarshals the whole credential entity into v (a *JWTSecret, say).
func (c *Credential) Decode(v any) error {
	if err := json.Unmarshal(c.Raw, v); err != nil {
		return fmt.Errorf("decode credential %s: %w", c.ID, err)
	}
	return nil
}

// CheckPassword asks the gateway whether password is the one of the basic-auth
// credential with that id. The gateway compares it with the stored bcrypt hash natively
// and remembers successful checks, so repeated requests stay cheap.
func CheckPassword(credentialID, password string) (bool, error) {
	var res struct {
		OK bool `json:"ok"`
	}
	args := map[string]string{"credential_id": credentialID, "password": password}
	if err := call(fnCheckPassword, args, &res); err != nil {
		return false, err
	}
	return res.OK, nil
}

// ConsumerGroups lists the ACL groups of the consumer the request is authenticated as
// (Kong's acls of that consumer); ok is false when no consumer is authenticated.
func ConsumerGroups() (groups []string, ok bool, err error) {
	var res struct {
		Groups []string `json:"groups"`
	}
	err = call(fnConsumerGroups, struct{}{}, &res)
	if errors.Is(err, types.ErrorStatusNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return res.Groups, true, nil
}

// AuthenticateAnonymous maps a request that no credential authenticated to the
// consumer an auth plugin's `anonymous` setting names, by id or username: Kong's
// logical OR between auth plugins. A consumer that does not exist is an error (Kong
// answers 500).
func AuthenticateAnonymous(idOrUsername string) error {
	consumer, err := FindConsumer(idOrUsername)
	if err != nil {
		return err
	}
	if consumer == nil {
		return fmt.Errorf("anonymous consumer %q is configured but does not exist", idOrUsername)
	}
	return Authenticate(consumer.ID, "", true)
}

// AuthenticateCredential is Authenticate for a real credential whose
// X-Credential-Identifier is not its id: Kong's jwt sends the secret's key and
// basic-auth the username.
func AuthenticateCredential(consumerID, credentialID, identifier string) error {
	args := appendField(appendField([]byte{'{'}, "consumer_id", consumerID), "credential_id", credentialID)
	args = appendField(args, "identifier", identifier)
	_, err := callRaw(fnAuthenticate, append(args, '}'))
	return err
}

// AuthenticatedWithCredential reports whether an auth plugin that ran earlier
// authenticated the request with a real credential (not an anonymous consumer): the
// test by which Kong's auth plugins configured with `anonymous` skip, making several
// of them a logical OR.
func AuthenticatedWithCredential() bool {
	_, cred, ok := AuthenticatedConsumer()
	return ok && cred != ""
}
