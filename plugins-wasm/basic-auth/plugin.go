// Package basicauth is Kong 3.9's basic-auth plugin as a weir proxy-wasm plugin: it
// reads a username and password from Proxy-Authorization or Authorization, finds the
// credential by username, has the gateway check the password against its bcrypt hash,
// and authenticates the consumer, or answers 401 (or falls back to the anonymous
// consumer).
package basicauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is basic-auth's configuration (schema.json).
type config struct {
	Anonymous       string `json:"anonymous"`
	HideCredentials bool   `json:"hide_credentials"`
	Realm           string `json:"realm" default:"service"`
}

const (
	msgUnauthorized = "Unauthorized"
	msgUnexpected   = "An unexpected error occurred"
)

// errUnexpected is a failure Kong raises as an error: a 500.
var errUnexpected = errors.New("unexpected")

func init() {
	weir.Register(weir.Plugin[config]{Name: "basic-auth", OnRequest: onRequest})
}

func onRequest(r *weir.Request, c *config) weir.Action {
	if c.Anonymous != "" && weir.AuthenticatedWithCredential() {
		return weir.Continue // a logical OR with an auth plugin that already succeeded
	}
	ok, err := authenticate(r, c)
	switch {
	case err != nil:
		return r.Error(500, msgUnexpected)
	case ok:
		return weir.Continue
	case c.Anonymous != "":
		return anonymous(r, c)
	}
	return r.Error(401, msgUnauthorized, [2]string{"www-authenticate", fmt.Sprintf(`Basic realm="%s"`, c.Realm)})
}

// authenticate follows Kong: Proxy-Authorization first, then Authorization when the
// first names no known credential; hide_credentials removes each header it read.
func authenticate(r *weir.Request, c *config) (bool, error) {
	if r.Header("authorization") == "" && r.Header("proxy-authorization") == "" {
		return false, nil
	}
	var cred *weir.Credential
	var consumer *weir.Consumer
	var err error
	user, pass, ok := credentials(r, c, "proxy-authorization")
	if ok {
		if cred, consumer, err = lookup(user); err != nil {
			return false, err
		}
	}
	if cred == nil {
		if user, pass, ok = credentials(r, c, "authorization"); !ok {
			return false, nil
		}
		if cred, consumer, err = lookup(user); err != nil || cred == nil {
			return false, err
		}
	}
	match, err := weir.CheckPassword(cred.ID, pass)
	if err != nil {
		proxywasm.LogErrorf("basic-auth: check password: %v", err)
		return false, errUnexpected
	}
	if !match {
		return false, nil
	}
	consumerID := ""
	if consumer != nil {
		consumerID = consumer.ID
	} else if cred.Consumer != nil {
		consumerID = cred.Consumer.ID
	}
	if err := weir.AuthenticateCredential(consumerID, cred.ID, user); err != nil {
		proxywasm.LogErrorf("basic-auth: authenticate: %v", err)
		return false, errUnexpected
	}
	return true, nil
}

func lookup(username string) (*weir.Credential, *weir.Consumer, error) {
	cred, consumer, err := weir.FindCredential("basicauth_credentials", "username", username)
	if err != nil {
		proxywasm.LogErrorf("basic-auth: find credential: %v", err)
		return nil, nil, errUnexpected
	}
	return cred, consumer, nil
}

// basic is Kong's pattern for the scheme, searched anywhere in the header.
var basic = regexp.MustCompile(`\s*[Bb]asic\s*(.+)`)

// credentials reads `Basic base64(user:password)` from a header; ok is false when the
// header is absent or unreadable. With hide_credentials the header goes either way.
func credentials(r *weir.Request, c *config, header string) (user, pass string, ok bool) {
	v := r.Header(header)
	if c.HideCredentials {
		if err := r.DelHeader(header); err != nil {
			proxywasm.LogErrorf("basic-auth: hide %s: %v", header, err)
		}
	}
	m := basic.FindStringSubmatch(v)
	if m == nil {
		return "", "", false
	}
	decoded, good := decodeBase64(m[1])
	if !good {
		return "", "", false
	}
	return splitUserPass(decoded)
}

// decodeBase64 decodes as nginx's ngx.decode_base64: the standard alphabet, padding
// optional, anything from the first '=' on ignored.
func decodeBase64(s string) (string, bool) {
	if i := strings.IndexByte(s, '='); i >= 0 {
		s = s[:i]
	}
	if len(s)%4 == 1 {
		return "", false
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	return string(b), err == nil
}

// splitUserPass reads `user:password` as Kong's `([^:]+):(.*)` search does: leading
// colons are skipped, the username ends at the next colon, the password at a line end.
func splitUserPass(s string) (user, pass string, ok bool) {
	s = strings.TrimLeft(s, ":")
	user, pass, ok = strings.Cut(s, ":")
	if !ok || user == "" {
		return "", "", false
	}
	if i := strings.IndexByte(pass, '\n'); i >= 0 {
		pass = pass[:i]
	}
	return user, pass, true
}

// anonymous maps a failed request to the configured anonymous consumer (Kong's logical
// OR between auth plugins); a missing consumer is a 500.
func anonymous(r *weir.Request, c *config) weir.Action {
	if err := weir.AuthenticateAnonymous(c.Anonymous); err != nil {
		proxywasm.LogErrorf("basic-auth: %v", err)
		return r.Error(500, msgUnexpected)
	}
	return weir.Continue
}
