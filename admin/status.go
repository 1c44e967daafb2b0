package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// StatusHandler serves Kong's Status API (status_listen): GET /status, GET
// /status/ready and, with metrics, GET /metrics. It is read-only and carries no
// configuration, so it takes no admin token: load balancers, orchestrators and
// Prometheus reach it without the Admin API's credentials.
func (s *Server) StatusHandler() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.Pre(trimTrailingSlash, s.serverHeader)
	e.Use(recoverPanic)
	e.Match(readMethods, "/status", s.status)
	e.Match(readMethods, "/status/ready", s.ready)
	if s.opts.Metrics != nil {
		e.Match(readMethods, "/metrics", echo.WrapHandler(s.opts.Metrics))
	}
	return e
}

// ready is Kong's readiness probe (3.3+): 200 once the node can serve its
// configuration, 503 while its database is unreachable. A DB-less node loads its
// configuration before it listens, so it is ready whenever it answers.
func (s *Server) ready(c echo.Context) error {
	if !s.opts.DBLess {
		if err := s.store.Ping(c.Request().Context()); err != nil {
			return writeJSON(c, http.StatusServiceUnavailable, kongError{Message: "failed to connect to database"})
		}
	}
	return writeJSON(c, http.StatusOK, kongError{Message: "ready"})
}
