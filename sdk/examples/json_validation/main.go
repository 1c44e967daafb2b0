// Command json_validation lets through only requests whose body is a JSON object with
// the configured keys: the tetratelabs SDK's json_validation example, written for weir.
//
// Configuration: {"requiredKeys": ["id", "token"]}. A request whose content-type is not
// application/json, whose body is not a JSON object, or that lacks a key, is answered
// 403 by the plugin; the upstream is not called.
package main

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginConfiguration struct {
	RequiredKeys []string `json:"requiredKeys"`
}

type pluginContext struct {
	types.DefaultPluginContext
	config pluginConfiguration
}

// OnPluginStart reads the required keys; an empty configuration requires "id" and "token".
func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	p.config = pluginConfiguration{RequiredKeys: []string{"id", "token"}}
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogCriticalf("error reading plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if len(data) > 0 && json.Unmarshal(data, &p.config) != nil {
		proxywasm.LogCritical("plugin configuration is not valid JSON")
		return types.OnPluginStartStatusFailed
	}
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext {
	return &payloadValidationContext{requiredKeys: p.config.RequiredKeys}
}

type payloadValidationContext struct {
	types.DefaultHttpContext
	totalRequestBodySize int
	requiredKeys         []string
}

func (ctx *payloadValidationContext) OnHttpRequestHeaders(_ int, endOfStream bool) types.Action {
	contentType, _ := proxywasm.GetHttpRequestHeader("content-type")
	if !strings.HasPrefix(contentType, "application/json") || endOfStream {
		forbid("content-type must be application/json, with a body")
		return types.ActionPause
	}
	// The body callback changes nothing, so the upstream may have the original length.
	return types.ActionContinue
}

func (ctx *payloadValidationContext) OnHttpRequestBody(bodySize int, endOfStream bool) types.Action {
	ctx.totalRequestBodySize += bodySize
	if !endOfStream {
		return types.ActionPause
	}
	body, err := proxywasm.GetHttpRequestBody(0, bodySize)
	if err != nil {
		proxywasm.LogErrorf("failed to get request body: %v", err)
		return types.ActionContinue
	}
	if !ctx.validate(body) {
		forbid("invalid payload")
		return types.ActionPause
	}
	return types.ActionContinue
}

// validate says whether body is a JSON object with every required key.
func (ctx *payloadValidationContext) validate(body []byte) bool {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		proxywasm.LogErrorf("body is not a JSON object: %v", err)
		return false
	}
	for _, k := range ctx.requiredKeys {
		if _, ok := obj[k]; !ok {
			proxywasm.LogErrorf("required key (%s) is missing", k)
			return false
		}
	}
	return true
}

func forbid(reason string) {
	if err := proxywasm.SendHttpResponse(403, nil, []byte(reason), -1); err != nil {
		proxywasm.LogErrorf("failed to send local response: %v", err)
	}
}
