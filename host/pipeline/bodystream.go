package pipeline

import (
	"context"
	"errors"
	"io"

	"github.com/weir-gateway/weir/abi"
)

// errStreamAborted ends a streamed response whose headers are already out when a
// plugin fails, answers or closes the stream in a body callback: the client sees the
// body cut short, as Envoy resets such a stream.
var errStreamAborted = errors.New("streamed response aborted by a plugin")

// bodyFilter is a streamed response body (response_buffering off) that goes through
// the plugins' proxy_on_response_body chunk by chunk, as Envoy does: each chunk read
// from the upstream is passed to the plugins in response order. A plugin that returns
// Continue lets the chunk (as it may have rewritten it) go on; one that returns PAUSE
// before the end of the stream makes the host buffer: the chunk is held, and the
// plugin is called again with the larger accumulated body when more arrives
// (end_of_stream on the last), until it continues and what it held goes on as one
// chunk. PAUSE at the end of the stream is a hold, as in every other phase.
//
// The front end reads it on the exchange's goroutine after the pipeline returned, so
// the plugins' contexts live until Close, which ends the exchange (on_done, on_log,
// the access log).
type bodyFilter struct {
	c   *chain
	ctx context.Context
	src io.ReadCloser
	// request: the client's body on its way upstream (request_buffering off), through
	// proxy_on_request_body in request order; otherwise the response's
	request bool
	steps   []*step  // the plugins with a body callback, in the order they see the body
	held    [][]byte // per step: what it buffered by pausing
	buf     []byte   // the read buffer
	out     []byte   // filtered bytes the client has not read yet
	eos     bool
	err     error
	done    func()
}

// filterStream puts the plugins with a response body callback in front of the
// streamed response body and reports whether it did; done then runs at the stream's
// Close. Without such plugins the stream is left as it is (no copy).
func (c *chain) filterStream(ctx context.Context, done func()) bool {
	e := c.exchange
	src := e.Response.Body.Stream()
	if src == nil || e.reset {
		return false
	}
	var steps []*step
	for i := len(c.steps) - 1; i >= 0; i-- {
		if st := c.steps[i]; !st.skipped && st.http.HandlesResponseBody() {
			steps = append(steps, st)
		}
	}
	if len(steps) == 0 {
		return false
	}
	// the stream outlives the handler: the front end must not reuse the exchange
	e.async = true
	e.Response.Body.SetStream(&bodyFilter{c: c, ctx: ctx, src: src, steps: steps,
		held: make([][]byte, len(steps)), buf: make([]byte, 32<<10), done: done})
	return true
}

// filterRequestStream puts the plugins with a request body callback, in request
// order, in front of the client's streamed body (request_buffering off), which the
// upstream client then reads. A plugin that answers, fails or closes the stream there
// makes the read fail, so the upstream request is abandoned and the exchange ends with
// the plugin's response. Without such plugins the stream is left as it is.
func (c *chain) filterRequestStream(ctx context.Context) {
	e := c.exchange
	src := e.Request.Body.Stream()
	if src == nil {
		return
	}
	var steps []*step
	for _, st := range c.steps {
		if !st.skipped && st.http.HandlesRequestBody() {
			steps = append(steps, st)
		}
	}
	if len(steps) == 0 {
		return
	}
	e.Request.Body.SetStream(&bodyFilter{c: c, ctx: ctx, src: src, request: true, steps: steps,
		held: make([][]byte, len(steps)), buf: make([]byte, 32<<10), done: func() {}})
}

// Read implements io.Reader: it reads the upstream until the plugins let something
// through.
func (f *bodyFilter) Read(p []byte) (int, error) {
	for len(f.out) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		if f.eos {
			return 0, io.EOF
		}
		n, err := f.src.Read(f.buf)
		eos := errors.Is(err, io.EOF)
		if err != nil && !eos {
			f.err = err
			return 0, err
		}
		if n == 0 && !eos {
			continue
		}
		f.eos = eos
		// capped so that a plugin's append cannot write into the read buffer
		f.out, f.err = f.push(f.buf[:n:n], eos)
	}
	n := copy(p, f.out)
	f.out = f.out[n:]
	return n, nil
}

// push runs one chunk through the plugins and returns what goes to the client.
func (f *bodyFilter) push(data []byte, eos bool) ([]byte, error) {
	e := f.c.exchange
	body := &e.Response.Body
	if f.request {
		body = &e.Request.Body
	}
	for i, st := range f.steps {
		if st.skipped {
			continue
		}
		cur, owned := data, f.held[i] != nil
		if owned {
			cur = append(f.held[i], data...)
			f.held[i] = nil
		}
		body.Set(cur)
		var action abi.Action
		var err error
		if f.request {
			action, err = st.http.OnRequestBody(f.ctx, len(cur), eos)
		} else {
			action, err = st.http.OnResponseBody(f.ctx, len(cur), eos)
		}
		e.settle()
		if err != nil {
			if f.c.failed(st.plugin, "plugin failed", err) {
				st.skipped = true
				continue // data goes on as it came
			}
			return nil, errStreamAborted
		}
		if e.local != nil || e.reset {
			return nil, errStreamAborted
		}
		out := body.Bytes()
		if action == abi.ActionPause {
			if !eos {
				// buffer: held until the plugin continues; a copy unless it is already
				// the held buffer, since the chunk may sit in the read buffer
				if owned && len(out) == len(cur) && len(out) > 0 && &out[0] == &cur[0] {
					f.held[i] = out
				} else {
					f.held[i] = append(make([]byte, 0, len(out)+len(f.buf)), out...)
				}
				return nil, nil
			}
			if !e.waitResume(f.ctx) {
				f.c.logger.Error("plugin paused the request and did not resume it", "plugin", st.plugin.Entity.Name,
					"plugin_id", st.plugin.Entity.ID, "request_id", e.ID, "timeout", PauseTimeout)
				if f.request {
					e.local = kongError(500, "An unexpected error occurred", e.ID)
				}
				return nil, errStreamAborted
			}
			if e.local != nil || e.reset {
				return nil, errStreamAborted
			}
			out = body.Bytes()
		}
		data = out
	}
	return data, nil
}

// Close closes the upstream's stream and ends the exchange, once.
func (f *bodyFilter) Close() error {
	if f.src == nil {
		return nil
	}
	err := f.src.Close()
	f.src = nil
	f.done()
	return err
}
