package stream

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/weir-gateway/weir/abi"
)

// errClosed ends a direction because the connection was closed meanwhile.
var errClosed = errors.New("connection closed")

// feed adds data read from one side (or its end, eos) to the direction and runs the
// plugins over it. Data held by a paused plugin grows, and that plugin is called again
// with all of it, as Envoy's network filters see the connection's undrained buffer;
// the plugins after it see nothing until it continues.
func (s *session) feed(d int, chunk []byte, eos bool) error {
	dir := s.dirs[d]
	dir.mu.Lock()
	defer dir.mu.Unlock()
	s.mu.Lock()
	dir.buf = append(dir.buf, chunk...)
	s.mu.Unlock()
	dir.eos = eos
	start := 0
	if dir.paused >= 0 {
		start = dir.paused
		if time.Since(dir.pausedAt) > PauseTimeout {
			return fmt.Errorf("a plugin held the %s data longer than %v", dirName(d), PauseTimeout)
		}
	}
	return s.iterate(d, start)
}

// iterate runs the data callbacks of direction d from the plugin at position start:
// downstream data in priority order, upstream data in reverse (Envoy's read and write
// filter orders). When every plugin continued, the data goes to the other side. dir.mu
// is held.
func (s *session) iterate(d, start int) error {
	dir := s.dirs[d]
	n := len(s.filters)
	for k := start; k < n; k++ {
		f := s.filters[k]
		if d == upstream {
			f = s.filters[n-1-k]
		}
		if f.skipped.Load() {
			continue
		}
		s.mu.Lock()
		size := len(dir.buf)
		s.mu.Unlock()
		var action abi.Action
		var err error
		if d == downstream {
			action, err = f.nc.OnDownstreamData(s.ctx, size, dir.eos)
		} else {
			action, err = f.nc.OnUpstreamData(s.ctx, size, dir.eos)
		}
		if err != nil {
			if s.failed(f.plugin, "plugin failed", err) {
				f.skipped.Store(true)
				continue
			}
			return err
		}
		if s.isClosed() {
			return errClosed
		}
		if action == abi.ActionPause {
			if dir.paused != k {
				dir.pausedAt = time.Now()
			}
			dir.paused = k
			return nil
		}
	}
	dir.paused = -1
	return s.flush(d)
}

// flush writes the direction's data to the other side, and passes its end on as a
// half close.
func (s *session) flush(d int) error {
	dir := s.dirs[d]
	s.mu.Lock()
	data := dir.buf
	dir.buf = nil
	s.mu.Unlock()
	to := s.up
	if d == upstream {
		to = s.down
	}
	if len(data) > 0 {
		_ = to.SetWriteDeadline(time.Now().Add(ms(s.service.WriteTimeout)))
		n, err := to.Write(data)
		s.sent[d].Add(int64(n))
		if err != nil {
			return fmt.Errorf("write %s data: %w", dirName(d), err)
		}
		s.touch()
	}
	if dir.eos && !dir.finished {
		dir.finished = true
		closeWrite(to)
		close(dir.flushed)
	}
	return nil
}

// closeWrite half-closes a connection: the peer reads its end while it may still send.
func closeWrite(c net.Conn) {
	type halfCloser interface{ CloseWrite() error }
	if hc, ok := c.(halfCloser); ok {
		_ = hc.CloseWrite()
		return
	}
	c.Close()
}

// ContinueStream implements abi.StreamController: a plugin resumes a direction it
// paused (DOWNSTREAM or UPSTREAM), and the data it held goes on through the plugins
// after it. It runs after the plugin's callback returned; the resumption takes the
// direction's lock on a goroutine of its own, since the callback may have been called
// by the very goroutine holding it.
func (s *session) ContinueStream(t abi.StreamType) {
	d, ok := direction0(t)
	if !ok {
		return
	}
	if d == downstream && s.starting.Load() {
		select {
		case s.resumed <- struct{}{}:
		default:
		}
		return
	}
	go func() {
		dir := s.dirs[d]
		dir.mu.Lock()
		defer dir.mu.Unlock()
		if dir.paused < 0 || s.isClosed() {
			return
		}
		if err := s.iterate(d, dir.paused+1); err != nil {
			s.abortWith(err)
		}
	}()
}

// CloseStream implements abi.StreamController: proxy_close_stream on either direction
// closes the connection, as Envoy closes it (no flush of what a plugin held).
func (s *session) CloseStream(t abi.StreamType) {
	if _, ok := direction0(t); ok {
		s.log().debug("a plugin closed the stream connection")
		s.abort()
	}
}

func direction0(t abi.StreamType) (int, bool) {
	switch t {
	case abi.StreamDownstream:
		return downstream, true
	case abi.StreamUpstream:
		return upstream, true
	}
	return 0, false
}

func dirName(d int) string {
	if d == downstream {
		return "downstream"
	}
	return "upstream"
}
