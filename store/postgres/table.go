package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/weir-gateway/weir/store"
)

// table stores one entity type: its Kong JSON in `entity`, constrained columns
// generated from it (schema.go).
type table[T any] struct {
	s      *Store
	entity string
}

func (t *table[T]) ident() string { return pgx.Identifier{t.entity}.Sanitize() }

func (t *table[T]) Get(ctx context.Context, id string) (*T, error) {
	if uuid.Validate(id) != nil {
		return nil, fmt.Errorf("%s %s: %w", t.entity, id, store.NotFound(id))
	}
	var out *T
	err := t.s.read(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = getOne[T](ctx, tx, "SELECT entity FROM "+t.ident()+" WHERE id = $1", id)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%s %s: %w", t.entity, id, store.NotFound(id))
		}
		return err
	})
	return out, err
}

func (t *table[T]) GetBy(ctx context.Context, field, value string) (*T, error) {
	if !slices.ContainsFunc(store.UniquesOf(t.entity), func(u store.Unique) bool { return len(u.Fields) == 1 && u.Fields[0] == field }) {
		return nil, fmt.Errorf("%s.%s is not a unique field", t.entity, field)
	}
	var out *T
	err := t.s.read(ctx, func(tx pgx.Tx) error {
		var err error
		q := "SELECT entity FROM " + t.ident() + " WHERE " + pgx.Identifier{field}.Sanitize() + " = $1"
		out, err = getOne[T](ctx, tx, q, value)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%s with %s %q: %w", t.entity, field, value, store.ErrNotFound)
		}
		return err
	})
	return out, err
}

func getOne[T any](ctx context.Context, tx pgx.Tx, q string, arg any) (*T, error) {
	var raw []byte
	if err := tx.QueryRow(ctx, q, arg).Scan(&raw); err != nil {
		return nil, err
	}
	out := new(T)
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("decode stored entity: %w", err)
	}
	return out, nil
}

func (t *table[T]) Insert(ctx context.Context, e *T) error {
	return t.s.write(ctx, func(tx pgx.Tx) error { return t.insert(ctx, tx, e) })
}

func (t *table[T]) insert(ctx context.Context, tx pgx.Tx, e any) error {
	attrs, raw, err := encode(e)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO "+t.ident()+" (id, entity) VALUES ($1, $2)", attrs["id"], raw)
	if err != nil {
		return writeError(err, t.entity, attrs)
	}
	return nil
}

func (t *table[T]) Update(ctx context.Context, e *T) error {
	return t.s.write(ctx, func(tx pgx.Tx) error { return t.update(ctx, tx, e) })
}

func (t *table[T]) update(ctx context.Context, tx pgx.Tx, e any) error {
	attrs, raw, err := encode(e)
	if err != nil {
		return err
	}
	id, _ := attrs["id"].(string)
	tag, err := tx.Exec(ctx, "UPDATE "+t.ident()+" SET entity = $2 WHERE id = $1", id, raw)
	if err != nil {
		return writeError(err, t.entity, attrs)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update %s %s: %w", t.entity, id, store.NotFound(id))
	}
	return nil
}

// Delete removes the entity; the database cascades to plugins and credentials and
// refuses while a route still references a service.
func (t *table[T]) Delete(ctx context.Context, id string) error {
	return t.s.write(ctx, func(tx pgx.Tx) error { return t.delete(ctx, tx, id) })
}

func (t *table[T]) delete(ctx context.Context, tx pgx.Tx, id string) error {
	if uuid.Validate(id) != nil {
		return fmt.Errorf("delete %s %s: %w", t.entity, id, store.NotFound(id))
	}
	tag, err := tx.Exec(ctx, "DELETE FROM "+t.ident()+" WHERE id = $1", id)
	if err != nil {
		return deleteError(err, t.entity)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete %s %s: %w", t.entity, id, store.NotFound(id))
	}
	return nil
}

// List pages by id. The offset is the last id of the previous page, base64-encoded,
// so pages stay stable while other entities are added or removed. One more row than
// the page holds is read to learn whether another page follows.
func (t *table[T]) List(ctx context.Context, opts store.ListOptions) (*store.Page[T], error) {
	size, err := opts.PageSize()
	if err != nil {
		return nil, err
	}
	q, args, err := t.listQuery(opts, size+1)
	if err != nil {
		return nil, err
	}
	var rows []listRow
	err = t.s.read(ctx, func(tx pgx.Tx) error {
		r, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		rows, err = pgx.CollectRows(r, pgx.RowToStructByPos[listRow])
		return err
	})
	if err != nil {
		return nil, err
	}
	page := &store.Page[T]{}
	if len(rows) > size {
		rows = rows[:size]
		page.Offset = base64.RawURLEncoding.EncodeToString([]byte(rows[size-1].ID))
	}
	page.Data, err = decodeAll[T](rows)
	return page, err
}

type listRow struct {
	ID     string
	Entity []byte
}

// listQuery builds the SELECT for one page: ids after the offset, tag and foreign-key
// filters, in id order.
func (t *table[T]) listQuery(opts store.ListOptions, size int) (string, []any, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if opts.Offset != "" {
		b, err := base64.RawURLEncoding.DecodeString(opts.Offset)
		if err != nil || uuid.Validate(string(b)) != nil {
			return "", nil, store.InvalidOffset(opts.Offset)
		}
		where = append(where, "id > "+arg(string(b)))
	}
	if len(opts.Tags) > 0 {
		if opts.AnyTag {
			where = append(where, "entity->'tags' ?| "+arg(opts.Tags)+"::text[]")
		} else {
			tags, _ := json.Marshal(opts.Tags)
			where = append(where, "entity->'tags' @> "+arg(string(tags))+"::jsonb")
		}
	}
	if fk := opts.Foreign; fk != nil {
		if !slices.ContainsFunc(store.ForeignKeysOf(t.entity), func(r store.Relation) bool { return r.Field == fk.Field }) {
			return "", nil, fmt.Errorf("%s has no foreign key %s", t.entity, fk.Field)
		}
		if uuid.Validate(fk.ID) != nil {
			return "SELECT id::text, entity FROM " + t.ident() + " WHERE false", nil, nil
		}
		where = append(where, pgx.Identifier{fk.Field + "_id"}.Sanitize()+" = "+arg(fk.ID))
	}
	q := "SELECT id::text, entity FROM " + t.ident()
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return q + fmt.Sprintf(" ORDER BY id LIMIT %d", size), args, nil
}

func decodeAll[T any](rows []listRow) ([]T, error) {
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		var e T
		if err := json.Unmarshal(r.Entity, &e); err != nil {
			return nil, fmt.Errorf("decode stored entity: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// encode returns an entity's top-level attributes and its JSON.
func encode(e any) (map[string]any, []byte, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, nil, fmt.Errorf("encode entity: %w", err)
	}
	var attrs map[string]any
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return nil, nil, fmt.Errorf("decode entity: %w", err)
	}
	return attrs, raw, nil
}
