package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/store"
)

var (
	readMethods       = []string{http.MethodGet, http.MethodHead}
	collectionMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost}
	itemMethods       = []string{http.MethodGet, http.MethodHead, http.MethodPatch, http.MethodPut, http.MethodDelete}
)

// routes builds the Echo router with every endpoint.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.Pre(trimTrailingSlash, s.serverHeader, s.requireToken, s.limitBody)
	// A panic in a handler answers 500 in Kong's shape instead of dropping the connection.
	e.Use(recoverPanic, s.count, requireContentType, s.dbless)

	st := s.store
	v := s.validator
	services := newResource(s, store.Services, st.Services(),
		func(_ context.Context, in map[string]any) (*store.Service, error) { return v.Service(in) })
	routes := newResource(s, store.Routes, st.Routes(),
		func(_ context.Context, in map[string]any) (*store.Route, error) { return v.Route(in) })
	consumers := newResource(s, store.Consumers, st.Consumers(),
		func(_ context.Context, in map[string]any) (*store.Consumer, error) { return v.Consumer(in) })
	plugins := newResource(s, store.Plugins, st.Plugins(), v.Plugin)
	keyAuths := newResource(s, store.KeyAuthCredentials, st.KeyAuthCredentials(),
		func(_ context.Context, in map[string]any) (*store.KeyAuthCredential, error) {
			return v.KeyAuthCredential(in)
		})
	keyAuths.present = presentKeyAuths

	upstreams := newResource(s, store.Upstreams, st.Upstreams(),
		func(_ context.Context, in map[string]any) (*store.Upstream, error) { return v.Upstream(in) })
	targets := newResource(s, store.Targets, st.Targets(),
		func(_ context.Context, in map[string]any) (*store.Target, error) { return v.Target(in) })

	top := func(path, param string, r interface {
		collection(echo.Context, *scope) error
		item(echo.Context, string, *scope) error
	}) {
		e.Match(collectionMethods, path, func(c echo.Context) error { return r.collection(c, nil) })
		e.Match(itemMethods, path+"/:"+param, func(c echo.Context) error { return r.item(c, param2(c, param), nil) })
	}
	if s.opts.Metrics != nil {
		e.Match(readMethods, "/metrics", echo.WrapHandler(s.opts.Metrics))
	}
	top("/services", "service", services)
	top("/routes", "route", routes)
	top("/plugins", "plugin", plugins)
	top("/key-auths", "keyauth", keyAuths)
	top("/consumers", "consumer", consumers)
	top("/upstreams", "upstream", upstreams)
	s.checks = map[string]checkFunc{
		store.Services: checkOf(services.validate), store.Routes: checkOf(routes.validate),
		store.Consumers: checkOf(consumers.validate), store.Plugins: checkOf(plugins.validate),
		store.KeyAuthCredentials: checkOf(keyAuths.validate),
		store.Upstreams:          checkOf(upstreams.validate), store.Targets: checkOf(targets.validate),
	}
	s.tagSources = []tagSource{
		tagsOf(store.Services, st.Services().List), tagsOf(store.Routes, st.Routes().List),
		tagsOf(store.Consumers, st.Consumers().List), tagsOf(store.Plugins, st.Plugins().List),
		tagsOf(store.KeyAuthCredentials, st.KeyAuthCredentials().List),
		tagsOf(store.WasmModules, st.WasmModules().List),
		tagsOf(store.Upstreams, st.Upstreams().List), tagsOf(store.Targets, st.Targets().List),
	}

	svcScope := parentScope(st.Services(), store.Services, "service", "service")
	routeScope := parentScope(st.Routes(), store.Routes, "route", "route")
	consumerScope := parentScope(st.Consumers(), store.Consumers, "consumer", "consumer")
	nested(e, "/services/:service/routes", "route", routes, svcScope)
	nested(e, "/services/:service/plugins", "plugin", plugins, svcScope)
	nested(e, "/routes/:route/plugins", "plugin", plugins, routeScope)
	nested(e, "/consumers/:consumer/plugins", "plugin", plugins, consumerScope)
	nested(e, "/consumers/:consumer/key-auth", "keyauth", keyAuths, consumerScope)
	s.credentialRoutes(e, consumerScope)
	s.tlsRoutes(e)
	s.keyRoutes(e)
	upstreamScope := parentScope(st.Upstreams(), store.Upstreams, "upstream", "upstream")
	nested(e, "/upstreams/:upstream/targets", "target", targets, upstreamScope)
	e.Match(readMethods, "/upstreams/:upstream/health", s.upstreamHealth(upstreamScope))
	// Kong's /targets/all lists every target, weight 0 included, as the list does.
	e.Match(readMethods, "/upstreams/:upstream/targets/all", func(c echo.Context) error {
		sc, err := upstreamScope(c)
		if err != nil {
			return err
		}
		return targets.collection(c, sc)
	})
	for _, state := range []string{"healthy", "unhealthy"} {
		h := s.setTargetHealth(upstreamScope, targets, state == "healthy")
		e.PUT("/upstreams/:upstream/targets/:target/"+state, h)
		e.PUT("/upstreams/:upstream/targets/:target/:address/"+state, h)
	}

	e.Match(readMethods, "/routes/:route/service", parentOf(st.Routes(), store.Routes, "route", "service", st.Services()))
	e.Match(readMethods, "/key-auths/:keyauth/consumer", parentOf(st.KeyAuthCredentials(), store.KeyAuthCredentials, "keyauth", "consumer", st.Consumers()))

	e.Match(readMethods, "/plugins/enabled", s.enabledPlugins)
	e.Match(readMethods, "/schemas/plugins/:name", s.pluginSchema)
	// Kong's deprecated spelling, still used by older clients.
	e.Match(readMethods, "/plugins/schema/:name", s.pluginSchema)
	e.Match(readMethods, "/schemas/:entity", s.entitySchema)
	e.POST("/schemas/plugins/validate", s.validatePlugin)
	e.POST("/schemas/:entity/validate", s.validateEntity)
	e.Match(readMethods, "/endpoints", s.endpoints)
	e.Match(readMethods, "/openapi.json", s.openAPI)
	e.Match(readMethods, "/config", s.getConfig)
	e.POST("/config", s.postConfig)
	e.Match(readMethods, "/tags", s.tags)
	e.Match(readMethods, "/tags/:tag", s.tags)
	e.Match(readMethods, "/", s.nodeInfo)
	e.Match(readMethods, "/status", s.status)

	e.Match(collectionMethods, "/wasm/modules", s.wasmCollection)
	e.Match(itemMethods, "/wasm/modules/:module", s.wasmItem)
	e.Match(readMethods, "/wasm/modules/:module/binary", s.wasmBinary)
	return e
}

// param2 returns a path parameter, unescaped (names may hold UTF-8).
func param2(c echo.Context, name string) string {
	v := c.Param(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// parentScope resolves the parent named in a nested URL, or answers 404.
func parentScope[P any](t store.Reads[P], entity, param, field string) func(echo.Context) (*scope, error) {
	return func(c echo.Context) (*scope, error) {
		p, err := findEntity(c.Request().Context(), t, entity, param2(c, param))
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, notFound
		}
		return &scope{field: field, id: entityID(p)}, nil
	}
}

// nested serves /{parents}/{p}/{children} and /{parents}/{p}/{children}/{c}.
func nested[T any](e *echo.Echo, path, param string, r *resource[T], parent func(echo.Context) (*scope, error)) {
	e.Match(collectionMethods, path, func(c echo.Context) error {
		sc, err := parent(c)
		if err != nil {
			return err
		}
		return r.collection(c, sc)
	})
	e.Match(itemMethods, path+"/:"+param, func(c echo.Context) error {
		sc, err := parent(c)
		if err != nil {
			return err
		}
		return r.item(c, param2(c, param), sc)
	})
}

// parentOf serves /{children}/{c}/{parent}: the entity a child's foreign key names.
func parentOf[C, P any](children store.Reads[C], entity, param, field string, parents store.Reads[P]) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		child, err := findEntity(ctx, children, entity, param2(c, param))
		if err != nil {
			return err
		}
		if child == nil {
			return notFound
		}
		attrs, err := store.Attributes(child)
		if err != nil {
			return err
		}
		id := store.RefID(attrs, field)
		if id == "" {
			return notFound
		}
		p, err := parents.Get(ctx, id)
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, p)
	}
}

// count tallies requests for GET /status.
func (s *Server) count(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s.requests.Add(1)
		return next(c)
	}
}

// trimTrailingSlash lets /services/ reach /services, as Kong's router does.
func trimTrailingSlash(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r.URL.Path = strings.TrimRight(p, "/")
			if r.URL.RawPath != "" {
				r.URL.RawPath = strings.TrimRight(r.URL.RawPath, "/")
			}
		}
		return next(c)
	}
}
