package cassandra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/weir-gateway/weir/store"
)

// buckets is how many partitions of `entities` each entity type spreads over.
const buckets = 16

func bucketOf(id string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int(h.Sum32() % buckets)
}

// table stores one entity type; the work is done on the entity's attributes by the
// Store's methods so cascades can reach any type.
type table[T any] struct {
	s      *Store
	entity string
}

func (t *table[T]) Get(ctx context.Context, id string) (*T, error) {
	var out *T
	err := t.s.do(ctx, func(ctx context.Context) error {
		raw, err := t.s.getRaw(ctx, t.entity, id)
		if err != nil {
			return err
		}
		if raw == nil {
			return fmt.Errorf("%s %s: %w", t.entity, id, store.NotFound(id))
		}
		out, err = decode[T](raw)
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
	err := t.s.do(ctx, func(ctx context.Context) error {
		var id string
		err := t.s.sess.Query(`SELECT id FROM unique_keys WHERE entity = ? AND key = ?`, t.entity, uniqueKey(u, map[string]any{field: value})).
			WithContext(ctx).Scan(&id)
		notFound := fmt.Errorf("%s with %s %q: %w", t.entity, field, value, store.ErrNotFound)
		if errors.Is(err, gocql.ErrNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		raw, err := t.s.getRaw(ctx, t.entity, id)
		if err != nil {
			return err
		}
		// A claim left by a write that failed half-way names an entity without the value.
		if raw == nil || attr(raw, field) != value {
			return notFound
		}
		out, err = decode[T](raw)
		return err
	})
	return out, err
}

func (t *table[T]) Insert(ctx context.Context, e *T) error {
	attrs, raw, err := encode(e)
	if err != nil {
		return err
	}
	return t.s.write(ctx, func(ctx context.Context) error { return t.s.insert(ctx, t.entity, attrs, raw) })
}

func (t *table[T]) Update(ctx context.Context, e *T) error {
	attrs, raw, err := encode(e)
	if err != nil {
		return err
	}
	return t.s.write(ctx, func(ctx context.Context) error { return t.s.update(ctx, t.entity, attrs, raw) })
}

func (t *table[T]) Delete(ctx context.Context, id string) error {
	return t.s.write(ctx, func(ctx context.Context) error { return t.s.delete(ctx, t.entity, id) })
}

func singleUnique(entity, field string) (store.Unique, bool) {
	for _, u := range store.UniquesOf(entity) {
		if len(u.Fields) == 1 && u.Fields[0] == field {
			return u, true
		}
	}
	return store.Unique{}, false
}

// do runs one read within the timeout and classifies its error.
func (s *Store) do(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	return s.fail(ctx, fn(ctx))
}

// write runs one Admin API write, then signals this node and tells the others through
// cluster_events.
func (s *Store) write(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, 3*s.cfg.Timeout)
	defer cancel()
	if err := fn(ctx); err != nil {
		return s.fail(ctx, err)
	}
	s.signal()
	if err := s.publish(ctx); err != nil {
		// The change is written; other nodes pick it up with the next event.
		s.cfg.Logger.Warn("could not announce a change to other nodes", "error", err)
	}
	return nil
}

func (s *Store) getRaw(ctx context.Context, entity, id string) ([]byte, error) {
	var data string
	err := s.sess.Query(`SELECT data FROM entities WHERE entity = ? AND bucket = ? AND id = ?`, entity, bucketOf(id), id).
		WithContext(ctx).Scan(&data)
	if errors.Is(err, gocql.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", entity, id, err)
	}
	return []byte(data), nil
}

// claim is one unique value an entity holds.
type claim struct {
	key  string
	vals map[string]any
}

// uniqueKey spells a unique constraint's values as the key of its unique_keys row.
func uniqueKey(u store.Unique, vals map[string]any) string {
	b, _ := json.Marshal(vals) // maps marshal with sorted keys
	return string(b)
}

// claimsOf lists the unique values an entity holds, its id first.
func claimsOf(entity string, attrs map[string]any) []claim {
	id, _ := attrs["id"].(string)
	out := []claim{{key: "id:" + id, vals: map[string]any{"id": id}}}
	for _, u := range store.UniquesOf(entity) {
		if vals, ok := u.Values(attrs); ok {
			out = append(out, claim{key: uniqueKey(u, vals), vals: vals})
		}
	}
	return out
}

// claimAll takes each claim for id with a lightweight transaction. When one is held by
// another entity, the claims taken so far are released and the unique violation is
// returned.
func (s *Store) claimAll(ctx context.Context, entity, id string, claims []claim) error {
	var taken []claim
	for _, c := range claims {
		existing := map[string]any{}
		applied, err := s.sess.Query(`INSERT INTO unique_keys (entity, key, id) VALUES (?, ?, ?) IF NOT EXISTS`, entity, c.key, id).
			WithContext(ctx).MapScanCAS(existing)
		if err == nil && !applied && (existing["id"] != id || c.key == "id:"+id) {
			err = store.UniqueViolation(c.vals)
		}
		if err != nil {
			s.release(ctx, entity, id, taken)
			return err
		}
		if applied {
			taken = append(taken, c)
		}
	}
	return nil
}

// release frees claims held by id; a claim since taken by another entity is left
// alone.
func (s *Store) release(ctx context.Context, entity, id string, claims []claim) {
	ctx = context.WithoutCancel(ctx)
	for _, c := range claims {
		_, err := s.sess.Query(`DELETE FROM unique_keys WHERE entity = ? AND key = ? IF id = ?`, entity, c.key, id).
			WithContext(ctx).MapScanCAS(map[string]any{})
		if err != nil {
			s.cfg.Logger.Warn("could not release a unique value", "entity", entity, "key", c.key, "error", err)
		}
	}
}

// checkForeign returns the violation of the first foreign key whose parent is missing.
func (s *Store) checkForeign(ctx context.Context, entity string, attrs map[string]any) error {
	for _, r := range store.ForeignKeysOf(entity) {
		pid := store.RefID(attrs, r.Field)
		if pid == "" {
			continue
		}
		raw, err := s.getRaw(ctx, r.Parent, pid)
		if err != nil {
			return err
		}
		if raw == nil {
			return store.ForeignKeyViolation(r.Field, pid, r.Parent)
		}
	}
	return nil
}

// indexRow is one row of tags or refs pointing at an entity.
type indexRow struct {
	table, field, value string
}

// indexRowsOf lists the index rows of an entity: its tags, its parents, and for a
// plugin its name (which wasm modules check before going away), and for a wasm module
// its binary's digest (which the binary's removal checks).
func indexRowsOf(entity string, attrs map[string]any) []indexRow {
	var out []indexRow
	for _, tag := range tagsOf(attrs) {
		out = append(out, indexRow{"tags", "", tag})
	}
	for _, r := range store.ForeignKeysOf(entity) {
		if pid := store.RefID(attrs, r.Field); pid != "" {
			out = append(out, indexRow{"refs", r.Field, pid})
		}
	}
	if entity == store.WasmModules {
		if sum, _ := attrs["sha256"].(string); sum != "" {
			out = append(out, indexRow{"refs", "sha256", sum})
		}
	}
	if entity == store.Plugins {
		if name, _ := attrs["name"].(string); name != "" {
			out = append(out, indexRow{"refs", "name", name})
		}
	}
	return out
}

func tagsOf(attrs map[string]any) []string {
	list, _ := attrs["tags"].([]any)
	var out []string
	for _, t := range list {
		if s, ok := t.(string); ok && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (ix indexRow) add(b *gocql.Batch, entity, id string) {
	if ix.table == "tags" {
		b.Query(`INSERT INTO tags (entity, tag, id) VALUES (?, ?, ?)`, entity, ix.value, id)
		return
	}
	b.Query(`INSERT INTO refs (entity, field, value, id) VALUES (?, ?, ?, ?)`, entity, ix.field, ix.value, id)
}

func (ix indexRow) remove(b *gocql.Batch, entity, id string) {
	if ix.table == "tags" {
		b.Query(`DELETE FROM tags WHERE entity = ? AND tag = ? AND id = ?`, entity, ix.value, id)
		return
	}
	b.Query(`DELETE FROM refs WHERE entity = ? AND field = ? AND value = ? AND id = ?`, entity, ix.field, ix.value, id)
}

func (s *Store) batch(ctx context.Context) *gocql.Batch {
	return s.sess.Batch(gocql.LoggedBatch).WithContext(ctx)
}

// insert writes a new entity: foreign keys checked, unique values claimed, then the
// entity row and its index rows in one logged batch, which Cassandra applies entirely
// or not at all. When the batch fails the claims are rolled back.
func (s *Store) insert(ctx context.Context, entity string, attrs map[string]any, raw []byte) error {
	id, _ := attrs["id"].(string)
	if err := s.checkForeign(ctx, entity, attrs); err != nil {
		return err
	}
	claims := claimsOf(entity, attrs)
	if err := s.claimAll(ctx, entity, id, claims); err != nil {
		return err
	}
	b := s.batch(ctx)
	for _, ix := range indexRowsOf(entity, attrs) {
		ix.add(b, entity, id)
	}
	b.Query(`INSERT INTO entities (entity, bucket, id, data) VALUES (?, ?, ?, ?)`, entity, bucketOf(id), id, string(raw))
	if err := s.sess.ExecuteBatch(b); err != nil {
		if !batchLogged(err) {
			s.release(ctx, entity, id, claims)
		}
		return fmt.Errorf("write %s %s: %w", entity, id, err)
	}
	return nil
}

// batchLogged is true when a batch timed out after reaching the batch log: Cassandra
// will apply it, so its claims must stay.
func batchLogged(err error) bool {
	var wt *gocql.RequestErrWriteTimeout
	return errors.As(err, &wt) && wt.WriteType == "BATCH"
}

// update replaces an entity: the values it newly holds are claimed first, then the
// entity row and the index changes go in one logged batch, and the values it no longer
// holds are released last. A failure before the batch leaves the old entity whole.
func (s *Store) update(ctx context.Context, entity string, attrs map[string]any, raw []byte) error {
	id, _ := attrs["id"].(string)
	oldRaw, err := s.getRaw(ctx, entity, id)
	if err != nil {
		return err
	}
	if oldRaw == nil {
		return fmt.Errorf("update %s %s: %w", entity, id, store.NotFound(id))
	}
	old, err := attributes(oldRaw)
	if err != nil {
		return err
	}
	if err := s.checkForeign(ctx, entity, attrs); err != nil {
		return err
	}
	oldClaims, newClaims := claimsOf(entity, old), claimsOf(entity, attrs)
	added, dropped := diffClaims(newClaims, oldClaims), diffClaims(oldClaims, newClaims)
	if err := s.claimAll(ctx, entity, id, added); err != nil {
		return err
	}
	oldIx, newIx := indexRowsOf(entity, old), indexRowsOf(entity, attrs)
	b := s.batch(ctx)
	for _, ix := range newIx {
		if !slices.Contains(oldIx, ix) {
			ix.add(b, entity, id)
		}
	}
	for _, ix := range oldIx {
		if !slices.Contains(newIx, ix) {
			ix.remove(b, entity, id)
		}
	}
	b.Query(`INSERT INTO entities (entity, bucket, id, data) VALUES (?, ?, ?, ?)`, entity, bucketOf(id), id, string(raw))
	if err := s.sess.ExecuteBatch(b); err != nil {
		if !batchLogged(err) {
			s.release(ctx, entity, id, added)
		}
		return fmt.Errorf("write %s %s: %w", entity, id, err)
	}
	s.release(ctx, entity, id, dropped)
	return nil
}

func diffClaims(a, b []claim) []claim {
	var out []claim
	for _, c := range a {
		if !slices.ContainsFunc(b, func(o claim) bool { return o.key == c.key }) {
			out = append(out, c)
		}
	}
	return out
}

// victim is one entity a delete removes.
type victim struct {
	entity, id string
	attrs      map[string]any
}

// delete removes an entity and the children that cascade, refusing while a
// restricting child references it or one of them. The entity rows go in one logged
// batch; index rows and unique claims are cleaned up after it.
func (s *Store) delete(ctx context.Context, entity, id string) error {
	raw, err := s.getRaw(ctx, entity, id)
	if err != nil {
		return err
	}
	if raw == nil {
		return fmt.Errorf("delete %s %s: %w", entity, id, store.NotFound(id))
	}
	attrs, err := attributes(raw)
	if err != nil {
		return err
	}
	victims, err := s.collect(ctx, victim{entity, id, attrs}, nil)
	if err != nil {
		return err
	}
	return s.remove(ctx, victims)
}

// collect lists v and everything that cascades from it, or the refusal of a restricting
// child.
func (s *Store) collect(ctx context.Context, v victim, out []victim) ([]victim, error) {
	out = append(out, v)
	for _, r := range store.ChildrenOf(v.entity) {
		children, err := s.children(ctx, r, v.id)
		if err != nil {
			return nil, err
		}
		if len(children) > 0 && r.OnDelete == store.Restrict {
			return nil, store.ReferencedBy(v.entity, r.Child)
		}
		for _, c := range children {
			if slices.ContainsFunc(out, func(o victim) bool { return o.entity == c.entity && o.id == c.id }) {
				continue
			}
			if out, err = s.collect(ctx, c, out); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// children reads the entities whose foreign key r.Field references parentID, through
// refs, keeping those whose row still says so.
func (s *Store) children(ctx context.Context, r store.Relation, parentID string) ([]victim, error) {
	ids, err := s.refIDs(ctx, r.Child, r.Field, parentID)
	if err != nil {
		return nil, err
	}
	var out []victim
	for _, id := range ids {
		raw, err := s.getRaw(ctx, r.Child, id)
		if err != nil {
			return nil, err
		}
		if raw == nil {
			continue
		}
		attrs, err := attributes(raw)
		if err != nil {
			return nil, err
		}
		if refValue(attrs, r.Field) == parentID {
			out = append(out, victim{r.Child, id, attrs})
		}
	}
	return out, nil
}

// refValue is what a refs row indexes: a foreign key's id, or a plain string field
// (a plugin's name, a module's sha256).
func refValue(attrs map[string]any, field string) string {
	if v, ok := attrs[field].(string); ok {
		return v
	}
	return store.RefID(attrs, field)
}

func (s *Store) refIDs(ctx context.Context, entity, field, value string) ([]string, error) {
	iter := s.sess.Query(`SELECT id FROM refs WHERE entity = ? AND field = ? AND value = ?`, entity, field, value).
		WithContext(ctx).PageSize(500).Iter()
	var ids []string
	var id string
	for iter.Scan(&id) {
		ids = append(ids, id)
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read %s by %s: %w", entity, field, err)
	}
	return ids, nil
}

// maxBatch bounds the statements of one batch, to stay under Cassandra's batch size
// limits.
const maxBatch = 200

// remove deletes the victims' entity rows (one logged batch per maxBatch), then their
// index rows and unique claims.
func (s *Store) remove(ctx context.Context, victims []victim) error {
	// Children first, so a batch split never leaves a child without its parent.
	slices.Reverse(victims)
	for chunk := range slices.Chunk(victims, maxBatch) {
		b := s.batch(ctx)
		for _, v := range chunk {
			b.Query(`DELETE FROM entities WHERE entity = ? AND bucket = ? AND id = ?`, v.entity, bucketOf(v.id), v.id)
		}
		if err := s.sess.ExecuteBatch(b); err != nil {
			return fmt.Errorf("delete %s %s: %w", victims[len(victims)-1].entity, victims[len(victims)-1].id, err)
		}
	}
	var errs []error
	b := s.sess.Batch(gocql.UnloggedBatch).WithContext(ctx)
	flush := func() {
		if b.Size() > 0 {
			if err := s.sess.ExecuteBatch(b); err != nil {
				errs = append(errs, err)
			}
			b = s.sess.Batch(gocql.UnloggedBatch).WithContext(ctx)
		}
	}
	for _, v := range victims {
		for _, ix := range indexRowsOf(v.entity, v.attrs) {
			ix.remove(b, v.entity, v.id)
			if b.Size() >= maxBatch {
				flush()
			}
		}
	}
	flush()
	for _, v := range victims {
		s.release(ctx, v.entity, v.id, claimsOf(v.entity, v.attrs))
	}
	if len(errs) > 0 {
		// The entities are gone; stale index rows are ignored by readers.
		s.cfg.Logger.Warn("could not remove index rows of deleted entities", "error", errors.Join(errs...))
	}
	return nil
}

func encode(e any) (map[string]any, []byte, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, nil, fmt.Errorf("encode entity: %w", err)
	}
	attrs, err := attributes(raw)
	return attrs, raw, err
}

func attributes(raw []byte) (map[string]any, error) {
	var attrs map[string]any
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return nil, fmt.Errorf("decode stored entity: %w", err)
	}
	return attrs, nil
}

func attr(raw []byte, field string) string {
	attrs, _ := attributes(raw)
	v, _ := attrs[field].(string)
	return v
}

func decode[T any](raw []byte) (*T, error) {
	out := new(T)
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("decode stored entity: %w", err)
	}
	return out, nil
}
