package cassandra

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
)

// A list reads a sequence of partitions (sources) in order, each with Cassandra's own
// paging. The Admin API's offset is the position in that sequence: the source's index
// and Cassandra's paging state within it. Rows a filter drops (an entity whose tags
// or parent changed since its index row was written) never reach the page.

// source is one partition a list reads.
type source struct {
	query string
	args  []any
	// direct sources return (id, data); the others return ids, read from entities.
	direct bool
	keep   func(attrs map[string]any) bool
}

// cursor is where a list resumes.
type cursor struct {
	part  int
	state []byte
}

func encodeOffset(c cursor) string {
	b := binary.BigEndian.AppendUint16(nil, uint16(c.part))
	return base64.RawURLEncoding.EncodeToString(append(b, c.state...))
}

func decodeOffset(s string, parts int) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 {
		return cursor{}, store.InvalidOffset(s)
	}
	c := cursor{part: int(binary.BigEndian.Uint16(b)), state: b[2:]}
	if c.part >= parts {
		return cursor{}, store.InvalidOffset(s)
	}
	return c, nil
}

func (t *table[T]) List(ctx context.Context, opts store.ListOptions) (*store.Page[T], error) {
	size, err := opts.PageSize()
	if err != nil {
		return nil, err
	}
	sources, err := sourcesFor(t.entity, opts)
	if err != nil {
		return nil, err
	}
	page := &store.Page[T]{Data: []T{}}
	if len(sources) == 0 {
		if opts.Offset != "" {
			return nil, store.InvalidOffset(opts.Offset)
		}
		return page, nil
	}
	cur, err := decodeOffset(opts.Offset, len(sources))
	if err != nil {
		return nil, err
	}
	err = t.s.do(ctx, func(ctx context.Context) error {
		raws, next, err := t.s.scan(ctx, t.entity, sources, cur, size)
		if err != nil && opts.Offset != "" && badPagingState(err) {
			return store.InvalidOffset(opts.Offset)
		}
		if err != nil {
			return err
		}
		for _, raw := range raws {
			e, err := decode[T](raw)
			if err != nil {
				return err
			}
			page.Data = append(page.Data, *e)
		}
		if next == nil {
			return nil
		}
		// Cassandra may hand out a paging state at the very end of the data; look
		// ahead so that a last page never has an offset.
		more, _, err := t.s.scan(ctx, t.entity, sources, *next, 1)
		if err == nil && len(more) > 0 {
			page.Offset = encodeOffset(*next)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// sourcesFor picks the partitions a list reads: the children of one parent through
// refs, the entities carrying a tag through tags, or else every bucket of the
// entity type.
func sourcesFor(entity string, opts store.ListOptions) ([]source, error) {
	tags := slices.Compact(slices.Clone(opts.Tags))
	if fk := opts.Foreign; fk != nil {
		if !slices.ContainsFunc(store.ForeignKeysOf(entity), func(r store.Relation) bool { return r.Field == fk.Field }) {
			return nil, fmt.Errorf("%s has no foreign key %s", entity, fk.Field)
		}
		if uuid.Validate(fk.ID) != nil {
			return nil, nil
		}
		return []source{{
			query: `SELECT id FROM refs WHERE entity = ? AND field = ? AND value = ?`, args: []any{entity, fk.Field, fk.ID},
			keep: func(a map[string]any) bool { return store.RefID(a, fk.Field) == fk.ID && hasTags(a, tags, opts.AnyTag) },
		}}, nil
	}
	if len(tags) > 0 && opts.AnyTag {
		// One partition per tag; an entity is listed under the first of its tags.
		out := make([]source, len(tags))
		for i, tag := range tags {
			out[i] = source{
				query: `SELECT id FROM tags WHERE entity = ? AND tag = ?`, args: []any{entity, tag},
				keep: func(a map[string]any) bool {
					have := tagsOf(a)
					return slices.Contains(have, tag) && !slices.ContainsFunc(tags[:i], func(t string) bool { return slices.Contains(have, t) })
				},
			}
		}
		return out, nil
	}
	if len(tags) > 0 {
		return []source{{
			query: `SELECT id FROM tags WHERE entity = ? AND tag = ?`, args: []any{entity, tags[0]},
			keep: func(a map[string]any) bool { return hasTags(a, tags, false) },
		}}, nil
	}
	out := make([]source, buckets)
	for b := range buckets {
		out[b] = source{query: `SELECT id, data FROM entities WHERE entity = ? AND bucket = ?`, args: []any{entity, b}, direct: true}
	}
	return out, nil
}

func hasTags(attrs map[string]any, tags []string, any bool) bool {
	if len(tags) == 0 {
		return true
	}
	have := tagsOf(attrs)
	for _, t := range tags {
		has := slices.Contains(have, t)
		if any && has {
			return true
		}
		if !any && !has {
			return false
		}
	}
	return !any
}

// scan reads up to size entities from cur on, and returns where the next page starts
// (nil when every source is exhausted). Each query asks for no more rows than the page
// still needs, so every row it returns is either kept or filtered, never skipped.
func (s *Store) scan(ctx context.Context, entity string, sources []source, cur cursor, size int) ([][]byte, *cursor, error) {
	var out [][]byte
	for len(out) < size && cur.part < len(sources) {
		rows, next, err := s.fetch(ctx, entity, sources[cur.part], size-len(out), cur.state)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, rows...)
		if len(next) == 0 {
			cur = cursor{part: cur.part + 1}
		} else {
			cur.state = next
		}
	}
	if cur.part >= len(sources) {
		return out, nil, nil
	}
	return out, &cur, nil
}

// fetch reads one page of one source.
func (s *Store) fetch(ctx context.Context, entity string, src source, n int, state []byte) ([][]byte, []byte, error) {
	iter := s.sess.Query(src.query, src.args...).WithContext(ctx).PageSize(n).PageState(state).Iter()
	next := iter.PageState()
	var out [][]byte
	var ids []string
	var id, data string
	if src.direct {
		for iter.Scan(&id, &data) {
			out = append(out, []byte(data))
		}
	} else {
		for iter.Scan(&id) {
			ids = append(ids, id)
		}
	}
	if err := iter.Close(); err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", entity, err)
	}
	raws, err := s.getMany(ctx, entity, ids)
	if err != nil {
		return nil, nil, err
	}
	out = append(out, raws...)
	if src.keep != nil {
		kept := out[:0]
		for _, raw := range out {
			if attrs, err := attributes(raw); err == nil && src.keep(attrs) {
				kept = append(kept, raw)
			}
		}
		out = kept
	}
	return out, next, nil
}

// badPagingState is true when Cassandra refused the paging state of a client's offset.
func badPagingState(err error) bool {
	var re gocql.RequestError
	return errors.As(err, &re) && (re.Code() == gocql.ErrCodeProtocol || re.Code() == gocql.ErrCodeInvalid)
}

// getMany reads the entities with these ids, a few at a time, in the ids' order;
// missing ones are skipped.
func (s *Store) getMany(ctx context.Context, entity string, ids []string) ([][]byte, error) {
	raws := make([][]byte, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, readConcurrency)
	var wg sync.WaitGroup
	for i, id := range ids {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			raws[i], errs[i] = s.getRaw(ctx, entity, id)
		})
	}
	wg.Wait()
	out := make([][]byte, 0, len(ids))
	for i, raw := range raws {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if raw != nil {
			out = append(out, raw)
		}
	}
	return out, nil
}
