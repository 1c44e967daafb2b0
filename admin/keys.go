package admin

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/store"
)

// keyRoutes serves vaults, key sets and keys: /vaults, /key-sets, /keys,
// /key-sets/{s}/keys and /keys/{k}/set.
func (s *Server) keyRoutes(e *echo.Echo) {
	st, v := s.store, s.validator
	vaults := newResource(s, store.Vaults, st.Vaults(),
		func(_ context.Context, in map[string]any) (*store.Vault, error) { return v.Vault(in) })
	sets := newResource(s, store.KeySets, st.KeySets(),
		func(_ context.Context, in map[string]any) (*store.KeySet, error) { return v.KeySet(in) })
	keys := newResource(s, store.Keys, st.Keys(),
		func(_ context.Context, in map[string]any) (*store.Key, error) { return v.Key(in) })

	for _, t := range []struct {
		path, param string
		r           interface {
			collection(echo.Context, *scope) error
			item(echo.Context, string, *scope) error
		}
	}{{"/vaults", "vault", vaults}, {"/key-sets", "key_set", sets}, {"/keys", "key", keys}} {
		e.Match(collectionMethods, t.path, func(c echo.Context) error { return t.r.collection(c, nil) })
		e.Match(itemMethods, t.path+"/:"+t.param, func(c echo.Context) error { return t.r.item(c, param2(c, t.param), nil) })
	}
	nested(e, "/key-sets/:key_set/keys", "key", keys, parentScope(st.KeySets(), store.KeySets, "key_set", "set"))
	e.Match(readMethods, "/keys/:key/set", parentOf(st.Keys(), store.Keys, "key", "set", st.KeySets()))
	s.checks[store.Vaults] = checkOf(vaults.validate)
	s.checks[store.KeySets] = checkOf(sets.validate)
	s.checks[store.Keys] = checkOf(keys.validate)
	s.tagSources = append(s.tagSources, tagsOf(store.Vaults, st.Vaults().List),
		tagsOf(store.KeySets, st.KeySets().List), tagsOf(store.Keys, st.Keys().List))
}
