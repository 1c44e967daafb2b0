package admin

import (
	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/store"
)

// uniqueFilter returns the query parameter that names one of entity's single-field
// unique values (Kong's `?custom_id=`, and likewise `name`, `username`, `key`,
// `instance_name`), which a list answers by a lookup rather than a scan.
func uniqueFilter(c echo.Context, entity string) (field, value string, ok bool) {
	for _, u := range store.UniquesOf(entity) {
		if len(u.Fields) != 1 {
			continue
		}
		if v := c.QueryParam(u.Fields[0]); v != "" {
			return u.Fields[0], v, true
		}
	}
	return "", "", false
}

// listFiltered answers a list filtered on a unique field: a page of zero or one entity,
// which must also belong to the nested endpoint's parent and carry the tags asked for.
func (r *resource[T]) listFiltered(c echo.Context, sc *scope, field, value string, opts store.ListOptions) error {
	data := []T{}
	e, err := r.table.GetBy(c.Request().Context(), field, value)
	switch {
	case errorsIsNotFound(err):
	case err != nil:
		return err
	case inScope(e, sc) && hasTags(e, opts):
		data = append(data, *e)
	}
	out, err := r.view(c.Request().Context(), data)
	if err != nil {
		return err
	}
	return writePage(c, out, "")
}

// hasTags applies a list's tag filter to one entity.
func hasTags(e any, opts store.ListOptions) bool {
	if len(opts.Tags) == 0 {
		return true
	}
	attrs, err := store.Attributes(e)
	if err != nil {
		return false
	}
	have := map[string]bool{}
	list, _ := attrs["tags"].([]any)
	for _, t := range list {
		if s, ok := t.(string); ok {
			have[s] = true
		}
	}
	for _, t := range opts.Tags {
		if have[t] == opts.AnyTag {
			return opts.AnyTag
		}
	}
	return !opts.AnyTag
}
