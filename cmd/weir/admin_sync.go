package main

import (
	"bytes"
	"log/slog"
	"net/http"

	"github.com/weir-gateway/weir/host"
)

// syncAfterWrite makes Admin API writes read-your-writes on this node: a successful
// write answers only after the proxy has swapped in a snapshot that includes it, so the
// very next proxied request sees the change. Other nodes pick it up through the store.
func syncAfterWrite(next http.Handler, gw *host.Gateway, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.status < 400 {
			if err := gw.Sync(r.Context()); err != nil {
				logger.Error("configuration saved but not applied to the proxy", "error", err)
			}
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	})
}

// recorder buffers a response so it can be sent after the snapshot swap.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.body.Write(p)
}
