package weir

import (
	"encoding/json"
	"fmt"

	"github.com/weir-gateway/weir/sdk/proxywasm"
)

// Foreign function names the gateway registers.
const (
	fnFindCredential = "weir.find_credential"
	fnFindConsumer   = "weir.find_consumer"
	fnAuthenticate   = "weir.authenticate"
)

// callForeign is the foreign function call, a variable so tests can stand in for the host.
var callForeign = proxywasm.CallForeignFunction

// call marshals args, calls the foreign function and unmarshals its result into out
// (skipped when out is nil).
func call(name string, args, out any) error {
	in, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("%s: encode arguments: %w", name, err)
	}
	res, err := callForeign(name, in)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(res, out); err != nil {
		return fmt.Errorf("%s: decode result: %w", name, err)
	}
	return nil
}

// FindCredential looks a credential up by one unique field, e.g.
// ("keyauth_credentials", "key", apiKey). Not found is (nil, nil, nil); an expired
// credential is not found.
func FindCredential(kind, field, value string) (*Credential, *Consumer, error) {
	var res struct {
		Found      bool        `json:"found"`
		Credential *Credential `json:"credential"`
		Consumer   *Consumer   `json:"consumer"`
	}
	args := map[string]string{"kind": kind, "field": field, "value": value}
	if err := call(fnFindCredential, args, &res); err != nil {
		return nil, nil, err
	}
	if !res.Found {
		return nil, nil, nil
	}
	return res.Credential, res.Consumer, nil
}

// FindConsumer looks a consumer up by id, else by username. Not found is (nil, nil).
func FindConsumer(idOrUsername string) (*Consumer, error) {
	var res struct {
		Found    bool      `json:"found"`
		Consumer *Consumer `json:"consumer"`
	}
	if err := call(fnFindConsumer, map[string]string{"id_or_username": idOrUsername}, &res); err != nil {
		return nil, err
	}
	if !res.Found {
		return nil, nil
	}
	return res.Consumer, nil
}

// Authenticate records the consumer (and credential, "" for none) on the request; the
// gateway sets the X-Consumer-* upstream headers. anonymous marks the fallback
// consumer of a plugin's `anonymous` setting.
func Authenticate(consumerID, credentialID string, anonymous bool) error {
	args := struct {
		ConsumerID   string `json:"consumer_id"`
		CredentialID string `json:"credential_id"`
		Anonymous    bool   `json:"anonymous"`
	}{consumerID, credentialID, anonymous}
	return call(fnAuthenticate, args, nil)
}
