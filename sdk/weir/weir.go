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

// callForeignInto is the foreign function call, appending the result to dst; a
// variable so tests can stand in for the host.
var callForeignInto = proxywasm.CallForeignFunctionInto

// callForeign calls a foreign function; the result is the caller's to keep.
func callForeign(name string, args []byte) ([]byte, error) { return callForeignInto(name, args, nil) }

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
	res, err := callRaw(fnFindCredential, credentialQuery(kind, field, value, false))
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

// AuthenticateByCredential looks a credential up as FindCredential does and, when one
// matches, authenticates the request as its consumer, as Authenticate would: one host
// call, and nothing to decode. For plugins that need nothing of the credential but
// that it exists (key-auth); found is false when none matches.
func AuthenticateByCredential(kind, field, value string) (found bool, err error) {
	res, err := callForeignInto(fnFindCredential, credentialQuery(kind, field, value, true), answerBuf[:0])
	if err != nil {
		return false, fmt.Errorf("%s: %w", fnFindCredential, err)
	}
	answerBuf = res[:0]
	switch string(res) {
	case `{"found":true}`:
		return true, nil
	case `{"found":false}`:
		return false, nil
	}
	var r struct {
		Found bool `json:"found"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return false, fmt.Errorf("%s: decode result: %w", fnFindCredential, err)
	}
	return r.Found, nil
}

// answerBuf is where AuthenticateByCredential reads its answer, read before the next
// call (a guest is single-threaded).
var answerBuf = make([]byte, 0, 64)

// queryBuf is where credentialQuery builds its arguments: the host copies them during
// the call, and a guest is single-threaded.
var queryBuf []byte

// credentialQuery is weir.find_credential's arguments, valid until the next call.
func credentialQuery(kind, field, value string, authenticate bool) []byte {
	args := queryBuf[:0]
	args = appendField(appendField(appendField(append(args, '{'), "kind", kind), "field", field), "value", value)
	if authenticate {
		args = append(args, `,"authenticate":true`...)
	}
	queryBuf = append(args, '}')
	return queryBuf
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
	args := make([]byte, 0, 64+len(consumerID)+len(credentialID))
	args = appendField(appendField(append(args, '{'), "consumer_id", consumerID), "credential_id", credentialID)
	if anonymous {
		args = append(args, `,"anonymous":true`...)
	}
	_, err := callRaw(fnAuthenticate, append(args, '}'))
	return err
}
