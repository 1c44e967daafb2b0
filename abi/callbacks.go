package abi

import (
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// Names of the guest exports the host calls.
const (
	fnInitialize      = "_initialize"
	fnStart           = "_start"
	fnMain            = "main"
	fnMalloc          = "malloc"
	fnMemoryAllocate  = "proxy_on_memory_allocate"
	fnContextCreate   = "proxy_on_context_create"
	fnVMStart         = "proxy_on_vm_start"
	fnConfigure       = "proxy_on_configure"
	fnDone            = "proxy_on_done"
	fnLog             = "proxy_on_log"
	fnDelete          = "proxy_on_delete"
	fnRequestHeaders  = "proxy_on_request_headers"
	fnRequestBody     = "proxy_on_request_body"
	fnResponseHeaders = "proxy_on_response_headers"
	fnResponseBody    = "proxy_on_response_body"

	fnHTTPCallResponse = "proxy_on_http_call_response"
	fnTick             = "proxy_on_tick"
	fnQueueReady       = "proxy_on_queue_ready"

	fnNewConnection   = "proxy_on_new_connection"
	fnDownstreamData  = "proxy_on_downstream_data"
	fnDownstreamClose = "proxy_on_downstream_connection_close"
	fnUpstreamData    = "proxy_on_upstream_data"
	fnUpstreamClose   = "proxy_on_upstream_connection_close"
)

// callbackNames lists every export the host calls; an instance keeps its exports, and
// a plugin its callback statistics, in arrays in this order (callbackIndex), because a
// map keyed by name cost more per call than entering a small guest. The callbacks of
// every request come first, so finding one takes a few comparisons of lengths.
var callbackNames = [...]string{
	fnContextCreate, fnRequestHeaders, fnResponseHeaders, fnDelete, fnDone, fnLog,
	fnRequestBody, fnResponseBody,
	fnInitialize, fnStart, fnMain, fnMalloc, fnMemoryAllocate, fnVMStart, fnConfigure,
	fnHTTPCallResponse, fnTick, fnQueueReady, fnNewConnection, fnDownstreamData,
	fnDownstreamClose, fnUpstreamData, fnUpstreamClose,
}

// numCallbacks sizes the arrays callbackIndex indexes.
const numCallbacks = len(callbackNames)

// callbackIndex is name's position in callbackNames, -1 for a name the host never
// calls.
func callbackIndex(name string) int {
	for i, n := range callbackNames {
		if n == name {
			return i
		}
	}
	return -1
}

// callbackSignature is an export's allowed i32 parameter counts and its result count.
type callbackSignature struct {
	params  []int
	results int
}

// callbackSignatures lists the exports the host calls. The headers callbacks take 2
// parameters in 0.1.0 and 3 (end_of_stream added) in 0.2.x; the host calls whichever
// the export really has, so a module whose marker and exports disagree still runs.
var callbackSignatures = map[string]callbackSignature{
	fnInitialize:      {[]int{0}, 0},
	fnStart:           {[]int{0}, 0},
	fnContextCreate:   {[]int{2}, 0},
	fnVMStart:         {[]int{2}, 1},
	fnConfigure:       {[]int{2}, 1},
	fnDone:            {[]int{1}, 1},
	fnLog:             {[]int{1}, 0},
	fnDelete:          {[]int{1}, 0},
	fnRequestHeaders:  {[]int{2, 3}, 1},
	fnRequestBody:     {[]int{3}, 1},
	fnResponseHeaders: {[]int{2, 3}, 1},
	fnResponseBody:    {[]int{3}, 1},

	fnHTTPCallResponse: {[]int{5}, 0},
	fnTick:             {[]int{1}, 0},
	fnQueueReady:       {[]int{2}, 0},

	fnNewConnection:   {[]int{1}, 1},
	fnDownstreamData:  {[]int{3}, 1},
	fnDownstreamClose: {[]int{2}, 0},
	fnUpstreamData:    {[]int{3}, 1},
	fnUpstreamClose:   {[]int{2}, 0},
}

// checkCallbacks returns the parameter count of each callback the module exports, or
// ErrInvalidModule when one has a signature the host cannot call. The allocators and
// main are optional and checked leniently at instantiation: a module may export an
// unrelated function named malloc or main.
func checkCallbacks(exports map[string]api.FunctionDefinition) (map[string]int, error) {
	arity := make(map[string]int, len(callbackSignatures))
	for name, sig := range callbackSignatures {
		def, ok := exports[name]
		if !ok {
			continue
		}
		if !allI32(def.ParamTypes()) || !allI32(def.ResultTypes()) ||
			!contains(sig.params, len(def.ParamTypes())) || len(def.ResultTypes()) != sig.results {
			return nil, fmt.Errorf("%w: export %s has signature %s", ErrInvalidModule, name, signature(def))
		}
		arity[name] = len(def.ParamTypes())
	}
	return arity, nil
}

// isAllocator says whether def is usable as (i32 size) -> i32 pointer.
func isAllocator(def api.FunctionDefinition) bool {
	return len(def.ParamTypes()) == 1 && len(def.ResultTypes()) == 1 &&
		allI32(def.ParamTypes()) && allI32(def.ResultTypes())
}

func allI32(ts []api.ValueType) bool {
	for _, t := range ts {
		if t != api.ValueTypeI32 {
			return false
		}
	}
	return true
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
