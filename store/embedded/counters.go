package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/weir-gateway/weir/store"
)

// bucketCounters holds rate-limiting counters: key, period and window start joined by
// NUL, to the count and the window's end (two big-endian int64s). It is created on first
// use; counters are not configuration, so writing them does not signal Changes.
var bucketCounters = []byte("_ratelimiting_metrics")

// IncrementCounters implements store.Counters in one bbolt transaction.
func (s *Store) IncrementCounters(ctx context.Context, incs []store.CounterIncrement) ([][]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([][]int64, len(incs))
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketCounters)
		if err != nil {
			return fmt.Errorf("create counters bucket: %w", err)
		}
		for i, inc := range incs {
			out[i] = make([]int64, len(inc.Keys))
			for j, k := range inc.Keys {
				id := counterID(k)
				n := int64(0)
				if v := b.Get(id); len(v) == 16 {
					n = int64(binary.BigEndian.Uint64(v))
				}
				n += inc.Delta
				v := binary.BigEndian.AppendUint64(make([]byte, 0, 16), uint64(n))
				v = binary.BigEndian.AppendUint64(v, uint64(k.Expires.Unix()))
				if err := b.Put(id, v); err != nil {
					return fmt.Errorf("write counter: %w", err)
				}
				out[i][j] = n
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("increment counters: %w", err)
	}
	return out, nil
}

// PurgeCounters implements store.Counters.
func (s *Store) PurgeCounters(ctx context.Context, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCounters)
		if b == nil {
			return nil
		}
		var expired [][]byte
		err := b.ForEach(func(k, v []byte) error {
			if len(v) != 16 || int64(binary.BigEndian.Uint64(v[8:])) < now.Unix() {
				expired = append(expired, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("purge counters: %w", err)
	}
	return nil
}

func counterID(k store.CounterKey) []byte {
	id := make([]byte, 0, len(k.Key)+len(k.Period)+10)
	id = append(id, k.Key...)
	id = append(id, 0)
	id = append(id, k.Period...)
	id = append(id, 0)
	return binary.BigEndian.AppendUint64(id, uint64(k.Start.Unix()))
}

var _ store.Counters = (*Store)(nil)
