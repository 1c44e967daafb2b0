package admin

import (
	"fmt"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"
)

// KongVersion is the Kong Admin API level weir implements. Kong clients read it from
// GET /'s `version` and from the Server header to decide which features a node has
// (decK refuses to talk to a node without `Server: kong/X.Y.Z`; go-kong parses
// `version` as semver), so it must be a plain X.Y.Z; weir's own release is reported
// beside it, in `weir_version` and as a comment of the Server header.
const KongVersion = "3.9.3"

// serverHeader sets `Server: kong/<KongVersion> (weir/<version>)` on every answer,
// errors included, before the handler writes anything.
func (s *Server) serverHeader(next echo.HandlerFunc) echo.HandlerFunc {
	value := "kong/" + KongVersion + " (weir/" + s.opts.Version + ")"
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderServer, value)
		return next(c)
	}
}

// bodyMethods are the verbs whose body the Admin API reads.
var bodyMethods = map[string]bool{http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true}

// acceptedTypes are the body encodings every endpoint understands.
var acceptedTypes = map[string]bool{
	echo.MIMEApplicationJSON: true,
	echo.MIMEApplicationForm: true,
	echo.MIMEMultipartForm:   true,
}

// errUnsupportedType is answered with 415, as Kong's before_filter answers a body in an
// encoding it cannot read, rather than guessing and failing later with a parse error.
var errUnsupportedType = echo.NewHTTPError(http.StatusUnsupportedMediaType,
	"Unsupported Content-Type: use application/json, application/x-www-form-urlencoded or multipart/form-data")

// requireContentType refuses a body in an encoding the Admin API does not read. A body
// without Content-Type is read as JSON (curl -d without -H sends a form type, and
// clients that send none send JSON).
func requireContentType(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ct := r.Header.Get(echo.HeaderContentType)
		if !bodyMethods[r.Method] || ct == "" {
			return next(c)
		}
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !acceptedTypes[mt] && !(c.Path() == "/config" && yamlTypes[mt]) {
			return errUnsupportedType
		}
		return next(c)
	}
}

// recoverPanic turns a handler's panic into an error, answered as Kong's 500.
func recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("admin: panic serving %s %s: %v", c.Request().Method, c.Request().URL.Path, p)
			}
		}()
		return next(c)
	}
}
