package abi

import (
	"bytes"
	"strings"
)

// logWriter turns a guest's stdout or stderr into log lines (WASI fd_write): stdout at
// info, stderr at error, as the spec asks. Partial lines wait for their newline; a
// line longer than MaxLogBytes is cut. It runs inside a guest call, under the
// instance's mutex, so it reads the current context without locking.
type logWriter struct {
	inst    *Instance
	level   LogLevel
	pending []byte
}

func (w *logWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		nl := bytes.IndexByte(p, '\n')
		if nl < 0 {
			w.pending = append(w.pending, p...)
			if len(w.pending) > MaxLogBytes {
				w.flush()
			}
			break
		}
		w.pending = append(w.pending, p[:nl]...)
		w.flush()
		p = p[nl+1:]
	}
	return n, nil
}

func (w *logWriter) flush() {
	line := strings.TrimRight(string(w.pending), "\r")
	w.pending = w.pending[:0]
	if w.level >= w.inst.svc.LogLevel() {
		w.inst.svc.Log(w.inst.pluginOf(w.inst.call.current), w.level, line)
	}
}
