// Command key-auth is Kong 3.9's key-auth plugin as a weir proxy-wasm module: it finds
// an API key in the request, looks its credential up in the gateway, and either
// authenticates the consumer or answers 401 (or falls back to the anonymous consumer).
package main

import (
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

func init() {
	proxywasm.SetPluginContext(func(uint32) types.PluginContext { return &plugin{} })
}

// main is empty: a c-shared wasm module never runs it; init registers the plugin.
func main() {}

// plugin is one key-auth configuration (a root context).
type plugin struct {
	types.DefaultPluginContext
	cfg config
}

// OnPluginStart parses the configuration; a malformed one is refused.
func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	raw, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogErrorf("key-auth: read configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if p.cfg, err = parseConfig(raw); err != nil {
		proxywasm.LogError(err.Error())
		return types.OnPluginStartStatusFailed
	}
	return types.OnPluginStartStatusOK
}

func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &stream{cfg: &p.cfg} }

// stream authenticates one request: in the headers callback when the key is in a
// header or the query, else (key_in_body) in the body callback once the whole body
// has arrived.
type stream struct {
	types.DefaultHttpContext
	cfg     *config
	headers [][2]string
	decided bool
}

func (s *stream) OnHttpRequestHeaders(_ int, endOfStream bool) types.Action {
	headers, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		proxywasm.LogErrorf("key-auth: read request headers: %v", err)
		return s.reject(500, msgUnexpected)
	}
	s.headers = headers
	if !s.cfg.RunOnPreflight && headerValue(headers, ":method").s == "OPTIONS" {
		s.decided = true
		return types.ActionContinue
	}
	var b *body
	if endOfStream {
		b = &body{} // no body will come
	}
	return s.run(b)
}

func (s *stream) OnHttpRequestBody(size int, endOfStream bool) types.Action {
	if s.decided {
		return types.ActionContinue
	}
	if !endOfStream {
		return types.ActionPause // buffer until the whole body is here
	}
	raw, err := proxywasm.GetHttpRequestBody(0, size)
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogErrorf("key-auth: read request body: %v", err)
	}
	b := parseBody(headerValue(s.headers, "content-type").s, raw)
	return s.run(&b)
}

// run searches for the key and settles the request, unless it must wait for the body
// (to search it, or to hide the key in it).
func (s *stream) run(b *body) types.Action {
	path := headerValue(s.headers, ":path").s
	_, rawQuery := splitPath(path)
	f := s.cfg.findKey(s.headers, rawQuery, b)
	if f.needBody || (b == nil && s.cfg.KeyInBody && s.cfg.HideCredentials) {
		return types.ActionContinue
	}
	s.decided = true
	status, msg := 401, f.fail
	if msg == "" {
		if s.cfg.HideCredentials {
			hide(f.name, path, b)
		}
		status, msg = authenticate(f.key)
	}
	if msg == "" {
		return types.ActionContinue
	}
	if s.cfg.Anonymous != "" {
		return s.anonymous()
	}
	return s.reject(status, msg)
}

// authenticate looks the key's credential up and records its consumer; msg is ""
// on success.
func authenticate(key string) (status int, msg string) {
	cred, consumer, err := weir.FindCredential("keyauth_credentials", "key", key)
	if err != nil {
		proxywasm.LogErrorf("key-auth: find credential: %v", err)
		return 500, msgUnexpected
	}
	if cred == nil {
		return 401, msgBadKey
	}
	consumerID := ""
	if consumer != nil {
		consumerID = consumer.ID
	} else if cred.Consumer != nil {
		consumerID = cred.Consumer.ID
	}
	if err := weir.Authenticate(consumerID, cred.ID, false); err != nil {
		proxywasm.LogErrorf("key-auth: authenticate: %v", err)
		return 500, msgUnexpected
	}
	return 0, ""
}

// anonymous maps a failed request to the configured anonymous consumer (Kong's logical
// OR between auth plugins); a missing consumer is a 500.
func (s *stream) anonymous() types.Action {
	consumer, err := weir.FindConsumer(s.cfg.Anonymous)
	if err == nil && consumer == nil {
		err = errors.New("is configured but does not exist")
	}
	if err == nil {
		err = weir.Authenticate(consumer.ID, "", true)
	}
	if err != nil {
		proxywasm.LogErrorf("key-auth: anonymous consumer %q: %v", s.cfg.Anonymous, err)
		return s.reject(500, msgUnexpected)
	}
	return types.ActionContinue
}

// reject ends the request with Kong's JSON error (message and request_id); 401s carry
// the challenge.
func (s *stream) reject(status int, msg string) types.Action {
	s.decided = true
	if status == 401 {
		weir.Error(status, msg, [2]string{"www-authenticate", s.cfg.wwwAuthenticate()})
	} else {
		weir.Error(status, msg)
	}
	return types.ActionPause
}
