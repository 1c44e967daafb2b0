package abi

import (
	"context"

	"github.com/tetratelabs/wazero/api"
)

// unimplementedFunctions are the imports weir does not serve: gRPC calls and streams
// (weir's upstreams are HTTP/1.1 today). They are registered with their exact
// signatures so every module loads (Rust SDK binaries import nearly all of them), and
// answer UNIMPLEMENTED, never a trap.
func unimplementedFunctions() []hostFunc {
	fs := []hostFunc{
		unimplemented("proxy_grpc_call", 12),
		unimplemented("proxy_grpc_stream", 9),
		unimplemented("proxy_grpc_send", 4),
		unimplemented("proxy_grpc_cancel", 1),
		unimplemented("proxy_grpc_close", 1),
	}
	return fs
}

func unimplemented(name string, params int) hostFunc {
	return hostFunc{name: name, params: i32s(params), results: i32s(1), fn: answerUnimplemented}
}

var answerUnimplemented = api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
	stack[0] = uint64(StatusUnimplemented)
})

// emscriptenFunctions are helpers Emscripten C++ modules import from env, as cpp-host
// provides them.
func emscriptenFunctions() []hostFunc {
	return []hostFunc{
		{name: "emscripten_notify_memory_growth", params: i32s(1), fn: func(context.Context, api.Module, []uint64) {}},
		{name: "pthread_equal", params: i32s(2), results: i32s(1), fn: func(_ context.Context, _ api.Module, stack []uint64) {
			stack[0] = boolArg(uint32(stack[0]) == uint32(stack[1]))
		}},
	}
}
