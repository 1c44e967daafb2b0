package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/schema"
)

// resource serves Kong's generated endpoints for one entity type: the collection
// (GET list, POST create) and the item by id or endpoint key (GET, PATCH, PUT, DELETE).
type resource[T any] struct {
	srv      *Server
	entity   string
	table    store.Table[T]
	validate func(ctx context.Context, in map[string]any) (*T, error)
	// present, when set, turns stored entities into what the API answers (a
	// certificate with its SNI names).
	present func(ctx context.Context, es []T) ([]any, error)
	// written, when set, runs after an insert or update with the request's input, for
	// entities a shorthand field creates (a certificate's snis); its failure after an
	// insert removes the new entity again.
	written func(ctx context.Context, in map[string]any, e *T) error
	// alias, when set, resolves an item URL that is neither an id nor an endpoint key
	// (a certificate named by one of its SNIs).
	alias func(ctx context.Context, key string) (*T, error)
}

func newResource[T any](s *Server, entity string, table store.Table[T], validate func(context.Context, map[string]any) (*T, error)) *resource[T] {
	return &resource[T]{srv: s, entity: entity, table: table, validate: validate}
}

// scope is the parent of a nested endpoint: its children have field = {"id": id}.
type scope struct {
	field string
	id    string
}

// maxTags is Kong's limit on tags in one filter.
const maxTags = 5

// find resolves an id or endpoint key, or under a parent a scoped key; an absent
// entity is (nil, nil).
func (r *resource[T]) find(ctx context.Context, idOrKey string, sc *scope) (*T, error) {
	e, err := findEntity(ctx, r.table, r.entity, idOrKey)
	if e == nil && err == nil && r.alias != nil {
		return r.alias(ctx, idOrKey)
	}
	if e != nil || err != nil || sc == nil || scopedKeys[r.entity] == "" {
		return e, err
	}
	return findScoped(ctx, r.table, r.entity, idOrKey, sc)
}

// scopedKeys name entities by a field unique only among one parent's children:
// /upstreams/{u}/targets/{host:port}.
var scopedKeys = map[string]string{store.Targets: "target", store.ACLs: "group"}

// findScoped looks through a parent's children for the one whose scoped key is value
// (a target given without its port matches the default port's address).
func findScoped[T any](ctx context.Context, t store.Reads[T], entity, value string, sc *scope) (*T, error) {
	key := scopedKeys[entity]
	want := map[string]bool{value: true}
	if entity == store.Targets {
		want[store.NormalizeTarget(value)] = true
	}
	var found *T
	opts := store.ListOptions{Size: store.MaxPageSize, Foreign: &store.ForeignFilter{Field: sc.field, ID: sc.id}}
	err := walk(ctx, t.List, opts, func(e T) error {
		attrs, err := store.Attributes(e)
		if err != nil {
			return err
		}
		if s, _ := attrs[key].(string); want[s] && found == nil {
			found = &e
		}
		return nil
	})
	return found, err
}

// endpointKey is the field an item URL may name an entity by.
func endpointKey(entity string, sc *scope) string {
	if k := store.EndpointKeys[entity]; k != "" {
		return k
	}
	if sc != nil {
		return scopedKeys[entity]
	}
	return ""
}

func findEntity[T any](ctx context.Context, t store.Reads[T], entity, idOrKey string) (*T, error) {
	if schema.IsUUID(idOrKey) {
		e, err := t.Get(ctx, idOrKey)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return e, err
		}
	}
	key := store.EndpointKeys[entity]
	if key == "" {
		return nil, nil
	}
	e, err := t.GetBy(ctx, key, idOrKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return e, err
}

// inScope reports whether a nested endpoint's parent owns the entity.
func inScope(e any, sc *scope) bool {
	if sc == nil {
		return true
	}
	attrs, err := store.Attributes(e)
	return err == nil && store.RefID(attrs, sc.field) == sc.id
}

func (r *resource[T]) collection(c echo.Context, sc *scope) error {
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead:
		return r.list(c, sc)
	case http.MethodPost:
		return r.create(c, sc)
	}
	return echo.ErrMethodNotAllowed
}

func (r *resource[T]) list(c echo.Context, sc *scope) error {
	opts, err := listOptions(c, sc == nil)
	if err != nil {
		return err
	}
	if field, value, ok := uniqueFilter(c, r.entity); ok {
		return r.listFiltered(c, sc, field, value, opts)
	}
	if sc != nil {
		opts.Foreign = &store.ForeignFilter{Field: sc.field, ID: sc.id}
	}
	page, err := r.table.List(c.Request().Context(), opts)
	if err != nil {
		return err
	}
	data, err := r.view(c.Request().Context(), page.Data)
	if err != nil {
		return err
	}
	return writePage(c, data, page.Offset)
}

// view is what the API answers for stored entities.
func (r *resource[T]) view(ctx context.Context, es []T) (any, error) {
	if r.present == nil {
		return es, nil
	}
	return r.present(ctx, es)
}

// viewOne is what the API answers for one stored entity.
func (r *resource[T]) viewOne(ctx context.Context, e *T) (any, error) {
	if r.present == nil {
		return e, nil
	}
	out, err := r.present(ctx, []T{*e})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// answer writes one entity as the API shows it.
func (r *resource[T]) answer(c echo.Context, status int, e *T) error {
	v, err := r.viewOne(c.Request().Context(), e)
	if err != nil {
		return err
	}
	return writeJSON(c, status, v)
}

// afterWrite runs the written hook; when it fails after an insert, the new entity is
// deleted again so the request leaves nothing behind.
func (r *resource[T]) afterWrite(ctx context.Context, in map[string]any, e *T, inserted bool) error {
	if r.written == nil {
		return nil
	}
	if err := r.written(ctx, in, e); err != nil {
		if inserted {
			if derr := r.table.Delete(ctx, entityID(e)); derr != nil {
				return errors.Join(err, fmt.Errorf("undo insert of %s: %w", r.entity, derr))
			}
		}
		return err
	}
	return nil
}

// listBody is Kong's list answer; offset is present only when a next page exists.
type listBody struct {
	Data   any     `json:"data"`
	Offset string  `json:"offset,omitempty"`
	Next   *string `json:"next"`
}

func writePage(c echo.Context, data any, offset string) error {
	out := listBody{Data: data, Offset: offset}
	if offset != "" {
		q := url.Values{"offset": {offset}}
		for _, k := range []string{"size", "tags"} {
			if v := c.QueryParam(k); v != "" {
				q.Set(k, v)
			}
		}
		next := c.Request().URL.Path + "?" + q.Encode()
		out.Next = &next
	}
	return writeJSON(c, http.StatusOK, out)
}

// listOptions reads size, offset and (on top-level endpoints) tags.
func listOptions(c echo.Context, withTags bool) (store.ListOptions, error) {
	var opts store.ListOptions
	if v := c.QueryParam("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return opts, store.InvalidSize()
		}
		if n < 1 || n > store.MaxPageSize {
			return opts, store.InvalidSize()
		}
		opts.Size = n
	}
	opts.Offset = c.QueryParam("offset")
	tags := c.QueryParam("tags")
	if !withTags || tags == "" {
		return opts, nil
	}
	and, or := strings.Contains(tags, ","), strings.Contains(tags, "/")
	if and && or {
		return opts, badRequest("invalid option (tags: invalid filter: mixing AND and OR operators is not allowed)")
	}
	sep := ","
	if or {
		sep, opts.AnyTag = "/", true
	}
	opts.Tags = strings.Split(tags, sep)
	if len(opts.Tags) > maxTags {
		return opts, badRequest(fmt.Sprintf("invalid option (tags: cannot query more than %d tags)", maxTags))
	}
	return opts, nil
}

func (r *resource[T]) create(c echo.Context, sc *scope) error {
	ctx := c.Request().Context()
	in, err := r.srv.input(c, r.entity, nil)
	if err != nil {
		return err
	}
	if sc != nil {
		in[sc.field] = map[string]any{"id": sc.id}
	}
	e, err := r.validate(ctx, in)
	if err != nil {
		return err
	}
	if err := r.table.Insert(ctx, e); err != nil {
		return err
	}
	if err := r.afterWrite(ctx, in, e, true); err != nil {
		return err
	}
	return r.answer(c, http.StatusCreated, e)
}

func (r *resource[T]) item(c echo.Context, idOrKey string, sc *scope) error {
	ctx := c.Request().Context()
	e, err := r.find(ctx, idOrKey, sc)
	if err != nil {
		return err
	}
	if e != nil && !inScope(e, sc) {
		e = nil
	}
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead:
		if e == nil {
			return notFound
		}
		return r.answer(c, http.StatusOK, e)
	case http.MethodPatch:
		if e == nil {
			return notFound
		}
		return r.patch(c, e, sc)
	case http.MethodPut:
		return r.put(c, idOrKey, e, sc)
	case http.MethodDelete:
		if e != nil {
			if err := r.table.Delete(ctx, entityID(e)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return c.NoContent(http.StatusNoContent)
	}
	return echo.ErrMethodNotAllowed
}

func (r *resource[T]) patch(c echo.Context, stored *T, sc *scope) error {
	ctx := c.Request().Context()
	attrs, err := store.Attributes(stored)
	if err != nil {
		return err
	}
	in, err := r.srv.input(c, r.entity, attrs)
	if err != nil {
		return err
	}
	if sc != nil {
		in[sc.field] = map[string]any{"id": sc.id}
	}
	in["id"] = attrs["id"]
	merged, err := r.srv.validator.Merge(ctx, r.entity, stored, in)
	if err != nil {
		return err
	}
	e, err := r.validate(ctx, merged)
	if err != nil {
		return err
	}
	if err := r.table.Update(ctx, e); err != nil {
		return err
	}
	if err := r.afterWrite(ctx, in, e, false); err != nil {
		return err
	}
	return r.answer(c, http.StatusOK, e)
}

// put creates or replaces the entity named by the URL (an id, or an endpoint key).
func (r *resource[T]) put(c echo.Context, idOrKey string, stored *T, sc *scope) error {
	ctx := c.Request().Context()
	in, err := r.srv.input(c, r.entity, nil)
	if err != nil {
		return err
	}
	if sc != nil {
		in[sc.field] = map[string]any{"id": sc.id}
	}
	key := endpointKey(r.entity, sc)
	switch {
	case stored != nil:
		attrs, err := store.Attributes(stored)
		if err != nil {
			return err
		}
		in["id"], in["created_at"] = attrs["id"], attrs["created_at"]
	case schema.IsUUID(idOrKey):
		in["id"] = idOrKey
	}
	// A URL naming the entity by its endpoint key keeps that key.
	if !schema.IsUUID(idOrKey) && key != "" {
		in[key] = idOrKey
	}
	e, err := r.validate(ctx, in)
	if err != nil {
		return err
	}
	if stored != nil {
		err = r.table.Update(ctx, e)
	} else {
		err = r.table.Insert(ctx, e)
	}
	if err != nil {
		return err
	}
	if err := r.afterWrite(ctx, in, e, stored == nil); err != nil {
		return err
	}
	return r.answer(c, http.StatusOK, e)
}

func entityID(e any) string {
	attrs, err := store.Attributes(e)
	if err != nil {
		return ""
	}
	id, _ := attrs["id"].(string)
	return id
}

// input reads the request body and, for form bodies, types it against the entity's
// schema. stored, on PATCH, supplies the plugin name a partial body may omit.
func (s *Server) input(c echo.Context, entity string, stored map[string]any) (map[string]any, error) {
	b, err := readBody(c.Request())
	if err != nil {
		return nil, s.bodyError(err)
	}
	if !b.form {
		return b.fields, nil
	}
	hint := b.fields
	if _, ok := hint["name"]; !ok && stored != nil {
		hint = map[string]any{"name": stored["name"]}
	}
	sch, err := s.validator.Schema(c.Request().Context(), entity, hint)
	if err != nil {
		return nil, err
	}
	typed, _ := sch.Coerce(b.fields).(map[string]any)
	return typed, nil
}
