// Command identity is a conformance fixture written with weir's Go SDK (ABI 0.2.1,
// _initialize, proxy_on_memory_allocate). It covers properties and foreign functions:
//
//   - request headers: tells the upstream x-go-route (weir.route_name), x-go-path
//     (request.path) and x-go-source (source.address); when the request names a
//     consumer in the configured header, finds it (weir.find_consumer) and
//     authenticates the request as it (weir.authenticate), or answers 403 with Kong's
//     error shape when there is no such consumer; a key-auth key in x-key is looked up
//     instead with weir.find_credential and authenticates with its credential; writes
//     weir.ctx.go_seen for later phases.
//   - response headers: tells the client x-go-plugin (plugin_name), x-go-status
//     (response.code, an 8-byte integer), x-go-consumer (weir.consumer_username) and
//     x-go-seen (weir.ctx.go_seen read back).
//
// Configuration (JSON): {"header": "x-user"}, the request header naming the consumer.
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

func init() {
	proxywasm.SetPluginContext(func(uint32) types.PluginContext { return &plugin{} })
}

func main() {}

type config struct {
	Header string `json:"header"`
}

type plugin struct {
	types.DefaultPluginContext
	cfg config
}

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	p.cfg = config{Header: "x-user"}
	raw, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogErrorf("identity: read configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if len(raw) > 0 && json.Unmarshal(raw, &p.cfg) != nil {
		proxywasm.LogError("identity: the configuration is not valid JSON")
		return types.OnPluginStartStatusFailed
	}
	return types.OnPluginStartStatusOK
}

func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &stream{cfg: p.cfg} }

type stream struct {
	types.DefaultHttpContext
	cfg config
}

// property reads a string property, "" when the host has none.
func property(path ...string) string {
	v, err := proxywasm.GetProperty(path)
	if err != nil {
		return ""
	}
	return string(v)
}

func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	_ = proxywasm.AddHttpRequestHeader("x-go-route", property("weir", "route_name"))
	_ = proxywasm.AddHttpRequestHeader("x-go-path", property("request", "path"))
	_ = proxywasm.AddHttpRequestHeader("x-go-source", property("source", "address"))
	if err := proxywasm.SetProperty([]string{"weir", "ctx", "go_seen"}, []byte("yes")); err != nil {
		proxywasm.LogErrorf("identity: set weir.ctx.go_seen: %v", err)
	}
	if key, err := proxywasm.GetHttpRequestHeader("x-key"); err == nil && key != "" {
		return authenticateKey(key)
	}
	user, err := proxywasm.GetHttpRequestHeader(s.cfg.Header)
	if err != nil || user == "" {
		return types.ActionContinue
	}
	consumer, err := weir.FindConsumer(user)
	if err != nil {
		proxywasm.LogErrorf("identity: find consumer: %v", err)
		weir.Exit(500, map[string]string{"message": "An unexpected error occurred"})
		return types.ActionPause
	}
	if consumer == nil {
		weir.Exit(403, map[string]string{"message": "unknown consumer " + user})
		return types.ActionPause
	}
	if err := weir.Authenticate(consumer.ID, "", false); err != nil {
		proxywasm.LogErrorf("identity: authenticate: %v", err)
	}
	proxywasm.LogInfof("identity: authenticated %s", user)
	return types.ActionContinue
}

// authenticateKey authenticates the request with a key-auth credential, or answers 401.
func authenticateKey(key string) types.Action {
	cred, consumer, err := weir.FindCredential("keyauth_credentials", "key", key)
	if err != nil {
		proxywasm.LogErrorf("identity: find credential: %v", err)
		weir.Exit(500, map[string]string{"message": "An unexpected error occurred"})
		return types.ActionPause
	}
	if cred == nil {
		weir.Exit(401, map[string]string{"message": "Unauthorized"})
		return types.ActionPause
	}
	if err := weir.Authenticate(consumer.ID, cred.ID, false); err != nil {
		proxywasm.LogErrorf("identity: authenticate: %v", err)
	}
	return types.ActionContinue
}

func (s *stream) OnHttpResponseHeaders(int, bool) types.Action {
	add := func(k, v string) { _ = proxywasm.AddHttpResponseHeader(k, v) }
	add("x-go-plugin", property("plugin_name"))
	if code, err := proxywasm.GetProperty([]string{"response", "code"}); err == nil && len(code) == 8 {
		add("x-go-status", strconv.FormatUint(binary.LittleEndian.Uint64(code), 10))
	}
	add("x-go-consumer", property("weir", "consumer_username"))
	add("x-go-seen", property("weir", "ctx", "go_seen"))
	return types.ActionContinue
}
