package admin

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/store"
)

// credential is one auth plugin's credential entity and the paths Kong serves it on:
// /{top}, /{top}/{c}, /{top}/{c}/consumer and /consumers/{consumer}/{nested}[/{c}].
type credential interface {
	register(e *echo.Echo, s *Server, consumers func(echo.Context) (*scope, error))
}

type credentialPaths[T any] struct {
	top, nested, param string
	r                  *resource[T]
}

func (cp credentialPaths[T]) register(e *echo.Echo, s *Server, consumers func(echo.Context) (*scope, error)) {
	e.Match(collectionMethods, "/"+cp.top, func(c echo.Context) error { return cp.r.collection(c, nil) })
	e.Match(itemMethods, "/"+cp.top+"/:"+cp.param, func(c echo.Context) error { return cp.r.item(c, param2(c, cp.param), nil) })
	e.Match(readMethods, "/"+cp.top+"/:"+cp.param+"/consumer",
		parentOf(cp.r.table, cp.r.entity, cp.param, "consumer", s.store.Consumers()))
	nested(e, "/consumers/:consumer/"+cp.nested, cp.param, cp.r, consumers)
	s.checks[cp.r.entity] = checkOf(cp.r.validate)
	s.tagSources = append(s.tagSources, tagsOf(cp.r.entity, cp.r.table.List))
}

// credentialRoutes serves the credentials of jwt, basic-auth, acl and hmac-auth, under
// the names Kong's plugins give their DAOs' endpoints.
func (s *Server) credentialRoutes(e *echo.Echo, consumers func(echo.Context) (*scope, error)) {
	st, v := s.store, s.validator
	for _, cr := range []credential{
		credentialPaths[store.JWTSecret]{"jwts", "jwt", "jwt", newResource(s, store.JWTSecrets, st.JWTSecrets(),
			func(_ context.Context, in map[string]any) (*store.JWTSecret, error) { return v.JWTSecret(in) })},
		credentialPaths[store.BasicAuthCredential]{"basic-auths", "basic-auth", "basicauth",
			newResource(s, store.BasicAuthCredentials, st.BasicAuthCredentials(),
				func(_ context.Context, in map[string]any) (*store.BasicAuthCredential, error) {
					return v.BasicAuthCredential(in)
				})},
		credentialPaths[store.ACL]{"acls", "acls", "acl", newResource(s, store.ACLs, st.ACLs(),
			func(_ context.Context, in map[string]any) (*store.ACL, error) { return v.ACL(in) })},
		credentialPaths[store.HMACAuthCredential]{"hmac-auths", "hmac-auth", "hmacauth",
			newResource(s, store.HMACAuthCredentials, st.HMACAuthCredentials(),
				func(_ context.Context, in map[string]any) (*store.HMACAuthCredential, error) {
					return v.HMACAuthCredential(in)
				})},
	} {
		cr.register(e, s, consumers)
	}
}
