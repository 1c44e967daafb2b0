// Package keyauth is Kong 3.9's key-auth plugin as a weir proxy-wasm plugin: it finds
// an API key in the request, looks its credential up in the gateway, and either
// authenticates the consumer or answers 401 (or falls back to the anonymous consumer).
package keyauth

import (
	"errors"
	"fmt"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is key-auth's configuration (schema.json); defaults fill what is absent or
// null, so a config written by hand means what the Admin API would have stored.
type config struct {
	KeyNames        []string `json:"key_names" default:"[\"apikey\"]"`
	HideCredentials bool     `json:"hide_credentials"`
	Anonymous       string   `json:"anonymous"`
	KeyInHeader     bool     `json:"key_in_header" default:"true"`
	KeyInQuery      bool     `json:"key_in_query" default:"true"`
	KeyInBody       bool     `json:"key_in_body"`
	RunOnPreflight  bool     `json:"run_on_preflight" default:"true"`
	Realm           string   `json:"realm"`
}

// Kong's messages for a failed key-auth.
const (
	msgNoKey      = "No API key found in request"
	msgDuplicate  = "Duplicate API key found"
	msgBadKey     = "Unauthorized"
	msgUnexpected = "An unexpected error occurred"
)

func init() {
	weir.Register(weir.Plugin[config]{Name: "key-auth", OnRequest: onRequest,
		OnRequestBody: func(r *weir.Request, c *config) weir.Action { return run(r, c, true) }})
}

func onRequest(r *weir.Request, c *config) weir.Action {
	if !c.RunOnPreflight && r.Method() == "OPTIONS" {
		return weir.Continue
	}
	if c.Anonymous != "" && weir.AuthenticatedWithCredential() {
		return weir.Continue // a logical OR with an auth plugin that already succeeded
	}
	if c.KeyInBody && c.HideCredentials {
		return weir.ReadBody // the key may have to be removed from the body
	}
	return run(r, c, false)
}

// run searches for the key as Kong does (for each key name in order: the header, the
// query, the body; the first name holding anything ends the search) and settles the
// request, unless the search needs the body first.
func run(r *weir.Request, c *config, haveBody bool) weir.Action {
	name, key, fail := "", "", msgNoKey
search:
	for _, n := range c.KeyNames {
		var a weir.Arg
		if c.KeyInHeader {
			a = r.HeaderArg(n)
		}
		if a.Kind == weir.ArgAbsent && c.KeyInQuery {
			a = r.Query().Arg(n)
		}
		if a.Kind == weir.ArgAbsent && c.KeyInBody {
			if !haveBody {
				return weir.ReadBody
			}
			a = r.BodyArg(n)
		}
		switch a.Kind {
		case weir.ArgList:
			fail = msgDuplicate
			break search
		case weir.ArgString:
			if a.Value != "" {
				name, key, fail = n, a.Value, ""
			}
			break search
		}
	}
	status := 401
	if fail == "" {
		if c.HideCredentials {
			hide(r, name)
		}
		status, fail = authenticate(key)
	}
	switch {
	case fail == "":
		return weir.Continue
	case c.Anonymous != "":
		return anonymous(r, c)
	case status == 401:
		return r.Error(401, fail, [2]string{"www-authenticate", challenge(c.Realm)})
	}
	return r.Error(status, fail)
}

// authenticate looks the key's credential up and records its consumer, in one host
// call; msg is "" on success.
func authenticate(key string) (status int, msg string) {
	found, err := weir.AuthenticateByCredential("keyauth_credentials", "key", key)
	if err != nil {
		proxywasm.LogErrorf("key-auth: find credential: %v", err)
		return 500, msgUnexpected
	}
	if !found {
		return 401, msgBadKey
	}
	return 0, ""
}

// anonymous maps a failed request to the configured anonymous consumer (Kong's logical
// OR between auth plugins); a missing consumer is a 500.
func anonymous(r *weir.Request, c *config) weir.Action {
	if err := weir.AuthenticateAnonymous(c.Anonymous); err != nil {
		proxywasm.LogErrorf("key-auth: %v", err)
		return r.Error(500, msgUnexpected)
	}
	return weir.Continue
}

// hide removes the key from what the upstream will see: the header and query argument
// of that name, and the body field when the body was read (ParsedBody has no fields
// outside a body callback). Failures are logged: the request is authenticated either
// way, as in Kong.
func hide(r *weir.Request, name string) {
	err := r.DelHeader(name)
	if q := r.Query(); q.Arg(name).Kind != weir.ArgAbsent {
		err = errors.Join(err, r.SetQuery(q.Without(name)))
	}
	if out, ok := r.ParsedBody().Without(name); ok {
		err = errors.Join(err, r.SetBody(out))
	}
	if err != nil {
		proxywasm.LogErrorf("key-auth: hide %s: %v", name, err)
	}
}

// challenge is the WWW-Authenticate value of every 401.
func challenge(realm string) string {
	if realm == "" {
		return "Key"
	}
	return fmt.Sprintf("Key realm=%q", realm)
}
