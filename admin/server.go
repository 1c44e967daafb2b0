// Package admin serves weir's Admin API: Kong 3.9's endpoints, verbs, body encodings,
// pagination and error shapes, on Echo, over a store.Store.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/schema"
)

// Options configure a Server.
type Options struct {
	Store    store.Store
	Builtins []pluginswasm.Builtin
	// ValidateModule compiles and checks an uploaded module; its error message is
	// returned to the client as a schema violation on the field `module`.
	ValidateModule func(ctx context.Context, wasm []byte) error
	// Version is weir's own release (GET /'s weir_version, the Server header's comment);
	// Hostname, NodeID and Configuration are reported by GET / too.
	Version       string
	Hostname      string
	NodeID        string
	Configuration map[string]any
	// DBLess is database = off: the store holds one declarative configuration, replaced
	// by POST /config (the store must be a store.Replacer); entity writes change it too.
	DBLess bool
	// DeclarativeFile, in DB-less mode, is the declarative file (declarative_config)
	// rewritten, atomically, after each change, so a restart keeps it; "" keeps changes
	// until the node stops.
	DeclarativeFile string
	// Token, when set, is required on every request (admin_token), unless
	// ClientCertAuth is set and the request came with a verified client certificate
	// (admin_ssl_client_ca; the TLS listener verifies it).
	Token          string
	ClientCertAuth bool
	// MaxBodySize caps request bodies (admin_max_body_size); 0 means 64 MiB.
	MaxBodySize int64
	// MaxModuleSize caps uploaded modules (wasm_max_module_size); 0 means no cap
	// beyond the body's.
	MaxModuleSize int64
	// TargetHealth, when set, gives a target's health on this node (HEALTHY,
	// UNHEALTHY, HEALTHCHECKS_OFF) for GET /upstreams/{u}/health; unset, every target
	// reports HEALTHCHECKS_OFF.
	TargetHealth func(upstreamID, target string) string
	// SetTargetHealth, when set, overrides a target's health on this node (Kong's
	// PUT /upstreams/{u}/targets/{t}/healthy|unhealthy): address is "" for every
	// address of the target, else one resolved address as ip:port. Its error is
	// answered 400 with the error's message. Unset, those calls answer Kong's error for
	// an upstream without a health checker.
	SetTargetHealth func(upstreamID, target, address string, healthy bool) error
	// Metrics, when set, serves GET /metrics (Prometheus), behind the same
	// authentication as every other endpoint.
	Metrics http.Handler
}

// Server is the Admin API.
type Server struct {
	opts      Options
	store     store.Store
	validator *store.Validator
	builtins  []*schema.Plugin
	echo      *echo.Echo
	requests  atomic.Int64
	// checks validate each entity type for POST /schemas/{entity}/validate.
	checks map[string]checkFunc
	// tagSources list the tags of every entity type for GET /tags.
	tagSources []tagSource
	// lastConfig is the MD5 (hex) of the body POST /config last applied, or of the
	// declarative file an entity write in DB-less mode last wrote.
	lastConfig atomic.Value
	// writeMu serialises DB-less writes with their rewrite of the declarative file.
	writeMu sync.Mutex
}

// New builds the Admin API. A built-in whose schema.json does not parse is a build
// error of the binary, so New panics on it rather than serving without that plugin.
func New(opts Options) *Server {
	s := &Server{opts: opts, store: opts.Store}
	for _, b := range opts.Builtins {
		p, err := schema.ParsePlugin(b.Schema)
		if err != nil {
			panic(fmt.Sprintf("admin: built-in plugin %s: %v", b.Name, err))
		}
		if _, counters := opts.Store.(store.Counters); opts.DBLess || !counters {
			store.RestrictClusterPolicy(p)
		}
		s.builtins = append(s.builtins, p)
	}
	s.validator = store.NewValidator(s.builtins, opts.Store.WasmModules())
	s.echo = s.routes()
	return s
}

// Handler returns the http.Handler serving the Admin API.
func (s *Server) Handler() http.Handler { return s.echo }

// kongError is the body of an error answer.
type kongError struct {
	Message string `json:"message"`
}

// httpStatus maps Kong's store error codes to HTTP statuses, in one place
// (kong/api/endpoints.lua ERRORS_HTTP_CODES).
var httpStatus = map[store.Code]int{
	store.CodeSchemaViolation:    http.StatusBadRequest,
	store.CodeForeignKey:         http.StatusBadRequest,
	store.CodeUniqueViolation:    http.StatusConflict,
	store.CodeNotFound:           http.StatusNotFound,
	store.CodeInvalidOffset:      http.StatusBadRequest,
	store.CodeDatabase:           http.StatusInternalServerError,
	store.CodeInvalidSize:        http.StatusBadRequest,
	store.CodeReferencedByOthers: http.StatusBadRequest,
}

// errorHandler writes every error in Kong's shape.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := s.errorBody(err)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}

func (s *Server) errorBody(err error) (int, any) {
	var se *store.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &se):
		if status, ok := httpStatus[se.Code]; ok {
			if se.Code == store.CodeNotFound {
				return status, kongError{"Not found"}
			}
			return status, se
		}
	case errors.Is(err, store.ErrUnavailable):
		s.echo.Logger.Errorf("admin: %v", err)
		return http.StatusServiceUnavailable, kongError{unavailableMsg}
	case errors.Is(err, errBadJSON):
		return http.StatusBadRequest, kongError{errBadJSON.Error()}
	case errors.As(err, &he):
		// Echo's own answers carry the status text; handlers' carry their own message.
		if he.Message == http.StatusText(he.Code) {
			switch he.Code {
			case http.StatusNotFound:
				return he.Code, kongError{"Not found"}
			case http.StatusMethodNotAllowed:
				return he.Code, kongError{"Method not allowed"}
			}
		}
		return he.Code, kongError{fmt.Sprint(he.Message)}
	}
	s.echo.Logger.Errorf("admin: %v", err)
	return http.StatusInternalServerError, kongError{"An unexpected error occurred"}
}

// unavailableMsg answers any request the database was needed for while it cannot be
// reached. Proxying does not need the database, so the message says traffic is fine.
const unavailableMsg = "The database is unreachable: the Admin API cannot read or change the configuration " +
	"until it is back. The proxy keeps serving the last configuration it loaded."

// badRequest is a 400 with a plain message, for malformed queries and bodies.
func badRequest(msg string) error {
	return echo.NewHTTPError(http.StatusBadRequest, msg)
}

// notFound answers 404 {"message":"Not found"}.
var notFound = echo.NewHTTPError(http.StatusNotFound)

// writeJSON writes v with status, without a body on HEAD.
func writeJSON(c echo.Context, status int, v any) error {
	if c.Request().Method == http.MethodHead {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		return c.NoContent(status)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return c.JSONBlob(status, b)
}

func errorsIsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
