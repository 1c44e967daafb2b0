package abi

import (
	"context"

	"github.com/tetratelabs/wazero/api"
)

// unimplementedFunctions are the imports this slice of the host does not serve yet:
// HTTP and gRPC callouts, shared data and queues, metrics. They are registered with
// their exact signatures so every module loads (Rust SDK binaries import nearly all of
// them), and answer UNIMPLEMENTED, never a trap.
func unimplementedFunctions() []hostFunc {
	fs := []hostFunc{
		unimplemented("proxy_grpc_call", 12),
		unimplemented("proxy_grpc_stream", 9),
		unimplemented("proxy_grpc_send", 4),
		unimplemented("proxy_grpc_cancel", 1),
		unimplemented("proxy_grpc_close", 1),
		unimplemented("proxy_set_shared_data", 5),
		unimplemented("proxy_get_shared_data", 5),
		unimplemented("proxy_register_shared_queue", 3),
		unimplemented("proxy_resolve_shared_queue", 5),
		unimplemented("proxy_enqueue_shared_queue", 3),
		unimplemented("proxy_dequeue_shared_queue", 3),
		unimplemented("proxy_define_metric", 4),
		unimplemented("proxy_get_metric", 2),
	}
	// record and increment take the value as an i64.
	for _, name := range []string{"proxy_record_metric", "proxy_increment_metric"} {
		fs = append(fs, hostFunc{name: name, params: []api.ValueType{i32, api.ValueTypeI64},
			results: i32s(1), fn: answerUnimplemented})
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
