package embedded

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/weir-gateway/weir/store"
)

// table stores one entity type as JSON under its id, in a bucket named after the entity.
type table[T any] struct {
	s      *Store
	entity string
}

func (t *table[T]) Get(ctx context.Context, id string) (*T, error) {
	var out *T
	err := t.s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, err = decodeEntity[T](tx, t.entity, id)
		return err
	})
	return out, err
}

func (t *table[T]) GetBy(ctx context.Context, field, value string) (*T, error) {
	u, ok := singleUnique(t.entity, field)
	if !ok {
		return nil, fmt.Errorf("%s.%s is not a unique field", t.entity, field)
	}
	var out *T
	err := t.s.view(ctx, func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketUnique).Get(uniqueKey(u, map[string]any{field: value}))
		if id == nil {
			return fmt.Errorf("%s with %s %q: %w", t.entity, field, value, store.ErrNotFound)
		}
		var err error
		out, err = decodeEntity[T](tx, t.entity, string(id))
		return err
	})
	return out, err
}

func (t *table[T]) Insert(ctx context.Context, e *T) error {
	attrs, raw, err := encodeEntity(e)
	if err != nil {
		return err
	}
	return t.s.update(ctx, func(tx *bolt.Tx) error { return put(tx, t.entity, attrs, raw, false) })
}

func (t *table[T]) Update(ctx context.Context, e *T) error {
	attrs, raw, err := encodeEntity(e)
	if err != nil {
		return err
	}
	return t.s.update(ctx, func(tx *bolt.Tx) error { return put(tx, t.entity, attrs, raw, true) })
}

func (t *table[T]) Delete(ctx context.Context, id string) error {
	return t.s.update(ctx, func(tx *bolt.Tx) error { return remove(tx, t.entity, id) })
}

func (t *table[T]) List(ctx context.Context, opts store.ListOptions) (*store.Page[T], error) {
	size, err := opts.PageSize()
	if err != nil {
		return nil, err
	}
	after := ""
	if opts.Offset != "" {
		b, err := base64.RawURLEncoding.DecodeString(opts.Offset)
		if err != nil || len(b) == 0 {
			return nil, store.InvalidOffset(opts.Offset)
		}
		after = string(b)
	}
	page := &store.Page[T]{Data: []T{}}
	err = t.s.view(ctx, func(tx *bolt.Tx) error {
		last, more, err := t.scan(tx, opts, after, size, func(e T) { page.Data = append(page.Data, e) })
		if more {
			page.Offset = base64.RawURLEncoding.EncodeToString([]byte(last))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// scan walks ids in order after `after`, passing matching entities to yield until size
// are taken; more reports whether another match follows.
func (t *table[T]) scan(tx *bolt.Tx, opts store.ListOptions, after string, size int, yield func(T)) (last string, more bool, err error) {
	ids := idCursor(tx, t.entity, opts.Foreign, after)
	taken := 0
	for id := ids(); id != ""; id = ids() {
		raw := tx.Bucket([]byte(t.entity)).Get([]byte(id))
		if raw == nil {
			continue
		}
		if !matchTags(raw, opts.Tags, opts.AnyTag) {
			continue
		}
		if taken == size {
			return last, true, nil
		}
		var e T
		if err := json.Unmarshal(raw, &e); err != nil {
			return "", false, fmt.Errorf("decode %s %s: %w", t.entity, id, err)
		}
		yield(e)
		taken++
		last = id
	}
	return last, false, nil
}

// idCursor returns an iterator over entity ids greater than after: all of them, or the
// children of one parent through the foreign-key index.
func idCursor(tx *bolt.Tx, entity string, fk *store.ForeignFilter, after string) func() string {
	var prefix []byte
	c := tx.Bucket([]byte(entity)).Cursor()
	if fk != nil {
		prefix = foreignPrefix(entity, fk.Field, fk.ID)
		c = tx.Bucket(bucketForeign).Cursor()
	}
	var k []byte
	started := false
	return func() string {
		if !started {
			started = true
			k, _ = c.Seek(append(slices.Clone(prefix), after...))
			if k != nil && after != "" && string(k[len(prefix):]) == after {
				k, _ = c.Next()
			}
		} else {
			k, _ = c.Next()
		}
		if k == nil || !bytes.HasPrefix(k, prefix) {
			return ""
		}
		return string(k[len(prefix):])
	}
}

func matchTags(raw []byte, tags []string, any bool) bool {
	if len(tags) == 0 {
		return true
	}
	var e struct {
		Tags []string `json:"tags"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return false
	}
	for _, t := range tags {
		has := slices.Contains(e.Tags, t)
		if any && has {
			return true
		}
		if !any && !has {
			return false
		}
	}
	return !any
}

func encodeEntity(e any) (map[string]any, []byte, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, nil, fmt.Errorf("encode entity: %w", err)
	}
	attrs, err := store.Attributes(e)
	return attrs, raw, err
}

func decodeEntity[T any](tx *bolt.Tx, entity, id string) (*T, error) {
	raw := tx.Bucket([]byte(entity)).Get([]byte(id))
	if raw == nil {
		return nil, fmt.Errorf("%s %s: %w", entity, id, store.NotFound(id))
	}
	out := new(T)
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", entity, id, err)
	}
	return out, nil
}

// put writes one entity and its index entries after checking its foreign keys and
// unique constraints. With replace set the entity must exist, and its old index entries
// are dropped first.
func put(tx *bolt.Tx, entity string, attrs map[string]any, raw []byte, replace bool) error {
	id, _ := attrs["id"].(string)
	if id == "" {
		return fmt.Errorf("%s without id", entity)
	}
	b := tx.Bucket([]byte(entity))
	old := b.Get([]byte(id))
	switch {
	case replace && old == nil:
		return fmt.Errorf("update %s %s: %w", entity, id, store.NotFound(id))
	case !replace && old != nil:
		return store.UniqueViolation(map[string]any{"id": id})
	case replace:
		if err := unindex(tx, entity, old); err != nil {
			return err
		}
	}
	for _, rel := range store.ForeignKeysOf(entity) {
		pid := store.RefID(attrs, rel.Field)
		if pid != "" && tx.Bucket([]byte(rel.Parent)).Get([]byte(pid)) == nil {
			return store.ForeignKeyViolation(rel.Field, pid, rel.Parent)
		}
	}
	uniq := tx.Bucket(bucketUnique)
	for _, u := range store.UniquesOf(entity) {
		vals, ok := u.Values(attrs)
		if !ok {
			continue
		}
		key := uniqueKey(u, vals)
		if other := uniq.Get(key); other != nil && string(other) != id {
			return store.UniqueViolation(vals)
		}
		if err := uniq.Put(key, []byte(id)); err != nil {
			return fmt.Errorf("index %s: %w", entity, err)
		}
	}
	for _, rel := range store.ForeignKeysOf(entity) {
		if pid := store.RefID(attrs, rel.Field); pid != "" {
			if err := tx.Bucket(bucketForeign).Put(append(foreignPrefix(entity, rel.Field, pid), id...), nil); err != nil {
				return fmt.Errorf("index %s: %w", entity, err)
			}
		}
	}
	if err := b.Put([]byte(id), raw); err != nil {
		return fmt.Errorf("write %s %s: %w", entity, id, err)
	}
	return nil
}

// unindex drops the index entries of a stored entity.
func unindex(tx *bolt.Tx, entity string, raw []byte) error {
	var attrs map[string]any
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return fmt.Errorf("decode stored %s: %w", entity, err)
	}
	id, _ := attrs["id"].(string)
	for _, u := range store.UniquesOf(entity) {
		if vals, ok := u.Values(attrs); ok {
			if err := tx.Bucket(bucketUnique).Delete(uniqueKey(u, vals)); err != nil {
				return fmt.Errorf("unindex %s: %w", entity, err)
			}
		}
	}
	for _, rel := range store.ForeignKeysOf(entity) {
		if pid := store.RefID(attrs, rel.Field); pid != "" {
			if err := tx.Bucket(bucketForeign).Delete(append(foreignPrefix(entity, rel.Field, pid), id...)); err != nil {
				return fmt.Errorf("unindex %s: %w", entity, err)
			}
		}
	}
	return nil
}

// remove deletes an entity: refused while a restricting child exists, cascading to the
// others.
func remove(tx *bolt.Tx, entity, id string) error {
	raw := tx.Bucket([]byte(entity)).Get([]byte(id))
	if raw == nil {
		return fmt.Errorf("delete %s %s: %w", entity, id, store.NotFound(id))
	}
	for _, rel := range store.ChildrenOf(entity) {
		children := childIDs(tx, rel, id)
		if len(children) > 0 && rel.OnDelete == store.Restrict {
			return store.ReferencedBy(entity, rel.Child)
		}
		for _, c := range children {
			if err := remove(tx, rel.Child, c); err != nil {
				return err
			}
		}
	}
	if err := unindex(tx, entity, raw); err != nil {
		return err
	}
	return tx.Bucket([]byte(entity)).Delete([]byte(id))
}

func childIDs(tx *bolt.Tx, rel store.Relation, parentID string) []string {
	var out []string
	next := idCursor(tx, rel.Child, &store.ForeignFilter{Field: rel.Field, ID: parentID}, "")
	for id := next(); id != ""; id = next() {
		out = append(out, id)
	}
	return out
}

func singleUnique(entity, field string) (store.Unique, bool) {
	for _, u := range store.UniquesOf(entity) {
		if len(u.Fields) == 1 && u.Fields[0] == field {
			return u, true
		}
	}
	return store.Unique{}, false
}

// uniqueKey is entity NUL fields NUL values, with references reduced to their ids.
func uniqueKey(u store.Unique, vals map[string]any) []byte {
	parts := make([]any, len(u.Fields))
	for i, f := range u.Fields {
		parts[i] = vals[f]
		if ref, ok := vals[f].(map[string]any); ok {
			parts[i] = ref["id"]
		}
	}
	enc, _ := json.Marshal(parts)
	return []byte(u.Entity + "\x00" + strings.Join(u.Fields, ",") + "\x00" + string(enc))
}

func foreignPrefix(entity, field, parentID string) []byte {
	return []byte(entity + "\x00" + field + "\x00" + parentID + "\x00")
}
