package embedded

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/weir-gateway/weir/store"
)

// bucketHealth keeps the latest health transition per (upstream, address), so a node
// that restarts on the same file starts from the states it had. It is created on the
// first write; the file has one node, so nothing else ever writes it.
var bucketHealth = []byte("health_states")

func healthKey(upstreamID, address string) []byte {
	return []byte(upstreamID + "\x00" + address)
}

// PutHealthState implements store.HealthStates.
func (s *Store) PutHealthState(ctx context.Context, st store.HealthState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketHealth)
		if err != nil {
			return err
		}
		key := healthKey(st.UpstreamID, st.Address)
		if old := b.Get(key); old != nil {
			var kept store.HealthState
			if err := json.Unmarshal(old, &kept); err == nil && st.At.Before(kept.At) {
				return nil
			}
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		st.Seq = int64(seq)
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return b.Put(key, v)
	})
	if err != nil {
		return fmt.Errorf("put health state: %w", err)
	}
	return nil
}

// HealthStatesSince implements store.HealthStates.
func (s *Store) HealthStatesSince(ctx context.Context, seq int64) ([]store.HealthState, int64, error) {
	var out []store.HealthState
	next := seq
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHealth)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var st store.HealthState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("decode health state %q: %w", k, err)
			}
			if st.Seq > seq {
				out = append(out, st)
				next = max(next, st.Seq)
			}
			return nil
		})
	})
	if err != nil {
		return nil, seq, fmt.Errorf("read health states: %w", err)
	}
	slices.SortFunc(out, func(a, b store.HealthState) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, next, nil
}

// HealthChanges implements store.HealthStates: one node on the file, so nobody else
// writes states and it never fires.
func (s *Store) HealthChanges() <-chan struct{} { return nil }

var _ store.HealthStates = (*Store)(nil)
