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
	res, err := callRaw(name, in)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(res, out); err != nil {
		return fmt.Errorf("%s: decode result: %w", name, err)
	}
	return nil
}

// callRaw calls a foreign function with encoded arguments and returns its result.
func callRaw(name string, args []byte) ([]byte, error) {
	res, err := callForeign(name, args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return res, nil
}

// FindCredential looks a credential up by one unique field, e.g.
// ("keyauth_credentials", "key", apiKey). Not found is (nil, nil, nil); an expired
// credential is not found. Called on every request by auth plugins, it avoids
// encoding/json (jsonlite.go).
func FindCredential(kind, field, value string) (*Credential, *Consumer, error) {
	args := appendField(appendField(appendField([]byte{'{'}, "kind", kind), "field", field), "value", value)
	res, err := callRaw(fnFindCredential, append(args, '}'))
	if err != nil {
		return nil, nil, err
	}
	found, cred, consumer, ok := decodeFound(res)
	if !ok {
		var slow struct {
			Found      bool        `json:"found"`
			Credential *Credential `json:"credential"`
			Consumer   *Consumer   `json:"consumer"`
		}
		if err := json.Unmarshal(res, &slow); err != nil {
			return nil, nil, fmt.Errorf("%s: decode result: %w", fnFindCredential, err)
		}
		found, cred, consumer = slow.Found, slow.Credential, slow.Consumer
	}
	if !found {
		return nil, nil, nil
	}
	return cred, consumer, nil
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
	args := appendField(appendField([]byte{'{'}, "consumer_id", consumerID), "credential_id", credentialID)
	if anonymous {
		args = append(args, `,"anonymous":true`...)
	}
	_, err := callRaw(fnAuthenticate, append(args, '}'))
	return err
}
