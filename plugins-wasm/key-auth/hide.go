package main

import "github.com/weir-gateway/weir/sdk/proxywasm"

// hide removes the key from what the upstream will see (hide_credentials): the header
// and the query argument of that name, and the body field when the body was read.
// Failures are logged: the request is authenticated either way, as in Kong.
func hide(name, path string, b *body) {
	if err := proxywasm.RemoveHttpRequestHeader(name); err != nil {
		proxywasm.LogErrorf("key-auth: hide header %s: %v", name, err)
	}
	if stripped := withoutQueryArg(path, name); stripped != path {
		if err := proxywasm.ReplaceHttpRequestHeader(":path", stripped); err != nil {
			proxywasm.LogErrorf("key-auth: hide query argument %s: %v", name, err)
		}
	}
	if b == nil {
		return
	}
	if out, ok := b.without(name); ok {
		if err := proxywasm.ReplaceHttpRequestBody(out); err != nil {
			proxywasm.LogErrorf("key-auth: hide body field %s: %v", name, err)
		}
	}
}
