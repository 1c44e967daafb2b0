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
	c     *chain
	ctx   context.Context
	src   io.ReadCloser
	steps []*step  // the plugins with a body callback, in response order
	held  [][]byte // per step: what it buffered by pausing
	buf   []byte   // the read buffer
	out   []byte   // filtered bytes the client has not read yet
	eos   bool
	err   error
	done  func()
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
		if st := c.steps[i]; !st.skipped && st.plugin.Pool.Module().HandlesResponseBody() {
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
	for i, st := range f.steps {
		if st.skipped {
			continue
		}
		cur, owned := data, f.held[i] != nil
		if owned {
			cur = append(f.held[i], data...)
			f.held[i] = nil
		}
		e.Response.Body.Set(cur)
		action, err := st.http.OnResponseBody(f.ctx, len(cur), eos)
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
		body := e.Response.Body.Bytes()
		if action == abi.ActionPause {
			if !eos {
				// buffer: held until the plugin continues; a copy unless it is already
				// the held buffer, since the chunk may sit in the read buffer
				if owned && len(body) == len(cur) && len(body) > 0 && &body[0] == &cur[0] {
					f.held[i] = body
				} else {
					f.held[i] = append(make([]byte, 0, len(body)+len(f.buf)), body...)
				}
				return nil, nil
			}
			if !e.waitResume(f.ctx) {
				f.c.logger.Error("plugin paused the request and did not resume it", "plugin", st.plugin.Entity.Name,
					"plugin_id", st.plugin.Entity.ID, "request_id", e.ID, "timeout", PauseTimeout)
				return nil, errStreamAborted
			}
			if e.local != nil || e.reset {
				return nil, errStreamAborted
			}
			body = e.Response.Body.Bytes()
		}
		data = body
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
