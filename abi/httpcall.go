package abi

import (
	"context"
	"time"
)

// HTTPCallRequest is one proxy_http_call: the upstream as the guest named it, the
// request (pseudo-headers :method, :path and :authority included), and its timeout.
type HTTPCallRequest struct {
	Upstream string
	Headers  [][2]string
	Body     []byte
	Trailers [][2]string
	// Timeout is the guest's timeout; 0 means the gateway's default.
	Timeout time.Duration
}

// HTTPCallResponse is the outcome of a call. A failed call (no answer, timeout,
// cancelled) has Err set and nothing else; the guest then sees zero headers, as the
// spec says, and proxy_get_status answers the failure.
type HTTPCallResponse struct {
	Headers  [][2]string // ":status" first
	Body     []byte
	Trailers [][2]string
	Err      error
}

// HTTPCaller is an optional interface of Services: the gateway's side of
// proxy_http_call. Without it the call answers UNIMPLEMENTED.
type HTTPCaller interface {
	// HTTPCall starts a call and returns at once. It calls done exactly once, on
	// another goroutine, when the call ends or ctx is cancelled. stream is the stream
	// of the calling context, or nil for a root context. It answers false when the
	// upstream names nothing the gateway can reach (the guest gets BAD_ARGUMENT).
	HTTPCall(ctx context.Context, stream HTTPStream, req HTTPCallRequest, done func(HTTPCallResponse)) bool
}

// pendingCall is a call in flight, owned by the context that made it: deleting that
// context cancels the call, and its answer is dropped.
type pendingCall struct {
	id     uint32
	owner  *contextState
	cancel context.CancelFunc
}

// getStatus codes for a call's outcome, as Envoy reports them: 0 for an answer, 11
// (BrokenConnection in the C++ SDK) for a failed call.
const (
	callStatusOK     = 0
	callStatusFailed = 11
)
