package admin

import (
	"context"
	"encoding/base64"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/store"
)

// tagRow is one entry of GET /tags: one tag of one entity, as Kong's tags table holds it.
type tagRow struct {
	EntityName string `json:"entity_name"`
	EntityID   string `json:"entity_id"`
	Tag        string `json:"tag"`
}

func (r tagRow) key() string { return r.Tag + "\x00" + r.EntityName + "\x00" + r.EntityID }

// tagSource reads the tag rows of one entity type, those carrying tag when it is set.
type tagSource func(ctx context.Context, tag string) ([]tagRow, error)

// tagsOf builds the tag source of a table.
func tagsOf[T any](entity string, list func(context.Context, store.ListOptions) (*store.Page[T], error)) tagSource {
	return func(ctx context.Context, tag string) ([]tagRow, error) {
		opts := store.ListOptions{Size: store.MaxPageSize}
		if tag != "" {
			opts.Tags = []string{tag}
		}
		var rows []tagRow
		err := walk(ctx, list, opts, func(e T) error {
			attrs, err := store.Attributes(e)
			if err != nil {
				return err
			}
			id, _ := attrs["id"].(string)
			tags, _ := attrs["tags"].([]any)
			for _, t := range tags {
				if s, _ := t.(string); s != "" && (tag == "" || s == tag) {
					rows = append(rows, tagRow{EntityName: entity, EntityID: id, Tag: s})
				}
			}
			return nil
		})
		return rows, err
	}
}

// walk passes every entity of a list, page after page, to fn.
func walk[T any](ctx context.Context, list func(context.Context, store.ListOptions) (*store.Page[T], error), opts store.ListOptions, fn func(T) error) error {
	for {
		page, err := list(ctx, opts)
		if err != nil {
			return err
		}
		for _, e := range page.Data {
			if err := fn(e); err != nil {
				return err
			}
		}
		if page.Offset == "" {
			return nil
		}
		opts.Offset = page.Offset
	}
}

// tags answers GET /tags and GET /tags/{tag}: every tagged entity across types, ordered
// by tag, entity name and id, in pages like any list. The offset is the key of the last
// row returned, so a page boundary survives writes between requests.
func (s *Server) tags(c echo.Context) error {
	opts, err := listOptions(c, false)
	if err != nil {
		return err
	}
	size, err := opts.PageSize()
	if err != nil {
		return err
	}
	after := ""
	if opts.Offset != "" {
		b, err := base64.RawURLEncoding.DecodeString(opts.Offset)
		if err != nil || len(b) == 0 {
			return store.InvalidOffset(opts.Offset)
		}
		after = string(b)
	}
	tag := param2(c, "tag")
	var rows []tagRow
	for _, src := range s.tagSources {
		got, err := src(c.Request().Context(), tag)
		if err != nil {
			return err
		}
		rows = append(rows, got...)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].key() < rows[j].key() })
	start := sort.Search(len(rows), func(i int) bool { return rows[i].key() > after })
	rows = rows[start:]
	offset := ""
	if len(rows) > size {
		rows = rows[:size]
		offset = base64.RawURLEncoding.EncodeToString([]byte(rows[size-1].key()))
	}
	if rows == nil {
		rows = []tagRow{}
	}
	return writePage(c, rows, offset)
}
