package cassandra

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/weir-gateway/weir/store"
)

// Dataset reads every entity. Cassandra has no snapshot reads, so a read that overlaps
// another node's cascade could see a child without its parent. The snapshot is checked
// for that, and reread a few times; a child still pointing at a missing parent after
// that (left by a write that raced a delete) is left out and logged, never served
// half-linked.
func (s *Store) Dataset(ctx context.Context) (*store.Dataset, error) {
	var raws map[string][][]byte
	var dangling int
	for attempt := range 4 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			}
		}
		var err error
		if raws, err = s.readAll(ctx); err != nil {
			return nil, s.fail(ctx, fmt.Errorf("read dataset: %w", err))
		}
		if dangling = dropDangling(raws, false); dangling == 0 {
			break
		}
	}
	if dangling > 0 {
		dropDangling(raws, true)
		s.cfg.Logger.Warn("left out entities whose parent is missing", "count", dangling)
	}
	// Buckets come back in hash order; the proxy gets entities in id order, as from the
	// other backends.
	for _, list := range raws {
		sort.SliceStable(list, func(i, j int) bool { return attr(list[i], "id") < attr(list[j], "id") })
	}
	ds := new(store.Dataset)
	for _, step := range []error{
		decodeInto(raws[store.Services], &ds.Services),
		decodeInto(raws[store.Routes], &ds.Routes),
		decodeInto(raws[store.Consumers], &ds.Consumers),
		decodeInto(raws[store.Plugins], &ds.Plugins),
		decodeInto(raws[store.KeyAuthCredentials], &ds.KeyAuthCredentials),
		decodeInto(raws[store.WasmModules], &ds.WasmModules),
		decodeInto(raws[store.Upstreams], &ds.Upstreams),
		decodeInto(raws[store.Targets], &ds.Targets),
		decodeInto(raws[store.JWTSecrets], &ds.JWTSecrets),
		decodeInto(raws[store.BasicAuthCredentials], &ds.BasicAuthCredentials),
		decodeInto(raws[store.ACLs], &ds.ACLs),
		decodeInto(raws[store.HMACAuthCredentials], &ds.HMACAuthCredentials),
		decodeInto(raws[store.Certificates], &ds.Certificates),
		decodeInto(raws[store.SNIs], &ds.SNIs),
		decodeInto(raws[store.CACertificates], &ds.CACertificates),
		decodeInto(raws[store.Vaults], &ds.Vaults),
		decodeInto(raws[store.KeySets], &ds.KeySets),
		decodeInto(raws[store.Keys], &ds.Keys),
	} {
		if step != nil {
			return nil, step
		}
	}
	return ds, nil
}

// readAll reads every bucket of every entity type, each with automatic paging, a few
// partitions at a time.
func (s *Store) readAll(ctx context.Context) (map[string][][]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 6*s.cfg.Timeout)
	defer cancel()
	type part struct {
		entity string
		bucket int
		rows   [][]byte
		err    error
	}
	var parts []*part
	for _, entity := range store.EntityNames() {
		for b := range buckets {
			parts = append(parts, &part{entity: entity, bucket: b})
		}
	}
	sem := make(chan struct{}, readConcurrency)
	var wg sync.WaitGroup
	for _, p := range parts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			iter := s.sess.Query(`SELECT data FROM entities WHERE entity = ? AND bucket = ?`, p.entity, p.bucket).
				WithContext(ctx).PageSize(1000).Iter()
			var data string
			for iter.Scan(&data) {
				p.rows = append(p.rows, []byte(data))
			}
			if err := iter.Close(); err != nil {
				p.err = fmt.Errorf("read %s: %w", p.entity, err)
			}
		})
	}
	wg.Wait()
	out := map[string][][]byte{}
	for _, p := range parts {
		if p.err != nil {
			return nil, p.err
		}
		out[p.entity] = append(out[p.entity], p.rows...)
	}
	return out, nil
}

// readConcurrency bounds the partitions a Dataset reads at once.
const readConcurrency = 16

// dropDangling counts the entities whose foreign key names a missing parent, and with
// drop set removes them (and, in turn, what referenced them).
func dropDangling(raws map[string][][]byte, drop bool) int {
	total := 0
	for {
		ids := map[string]map[string]bool{}
		for entity, list := range raws {
			ids[entity] = map[string]bool{}
			for _, raw := range list {
				ids[entity][attr(raw, "id")] = true
			}
		}
		n := 0
		for entity, list := range raws {
			kept := list[:0]
			for _, raw := range list {
				attrs, _ := attributes(raw)
				ok := true
				for _, r := range store.ForeignKeysOf(entity) {
					if pid := store.RefID(attrs, r.Field); pid != "" && !ids[r.Parent][pid] {
						ok = false
					}
				}
				if !ok {
					n++
				}
				if ok || !drop {
					kept = append(kept, raw)
				}
			}
			raws[entity] = kept
		}
		total += n
		if !drop || n == 0 {
			return total
		}
	}
}

func decodeInto[T any](raws [][]byte, out *[]T) error {
	for _, raw := range raws {
		var e T
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("decode stored entity: %w", err)
		}
		*out = append(*out, e)
	}
	return nil
}
