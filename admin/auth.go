package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// errUnauthorized is the only answer an unauthenticated request gets when admin_token
// is set: no route, schema or version information leaks before authentication.
var errUnauthorized = echo.NewHTTPError(http.StatusUnauthorized, "Unauthorized")

// requireToken checks the admin token, or the client certificate, on every request,
// before routing. The token
// may come as a bearer token or in Kong Enterprise's Kong-Admin-Token header, which
// decK (--headers) and go-kong already know how to send. Comparing SHA-256 digests in
// constant time keeps the comparison's timing independent of the token.
func (s *Server) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	if s.opts.Token == "" && !s.opts.ClientCertAuth {
		return next
	}
	want := sha256.Sum256([]byte(s.opts.Token))
	return func(c echo.Context) error {
		// A client certificate the listener verified against admin_ssl_client_ca
		// authenticates the request (mTLS).
		if tlsState := c.Request().TLS; s.opts.ClientCertAuth && tlsState != nil && len(tlsState.VerifiedChains) > 0 {
			return next(c)
		}
		h := c.Request().Header
		got := h.Get("Kong-Admin-Token")
		if auth := h.Get(echo.HeaderAuthorization); got == "" && len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
			got = strings.TrimSpace(auth[7:])
		}
		sum := sha256.Sum256([]byte(got))
		if s.opts.Token == "" || got == "" || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="weir-admin"`)
			return errUnauthorized
		}
		return next(c)
	}
}

// limitBody caps request bodies at admin_max_body_size: a declared length over it is
// refused at once, and a body that turns out longer fails its read (see bodyTooLarge).
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > s.maxBody() {
			return s.tooLarge()
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, s.maxBody())
		return next(c)
	}
}

func (s *Server) maxBody() int64 {
	if s.opts.MaxBodySize > 0 {
		return s.opts.MaxBodySize
	}
	return maxBodyBytes
}

func (s *Server) tooLarge() error {
	return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("Request body too large: the Admin API accepts at most %d bytes (admin_max_body_size)", s.maxBody()))
}

// bodyError maps a body read failure: past the size limit it is 413, else a 400 with
// the reason.
func (s *Server) bodyError(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return s.tooLarge()
	case errors.Is(err, errBadJSON):
		return err
	}
	return badRequest(err.Error())
}
