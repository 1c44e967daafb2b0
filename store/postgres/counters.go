package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weir-gateway/weir/store"
)

// rateLimitingSchema is the table of the rate-limiting plugin's cluster policy, as
// Kong's ratelimiting_metrics: one row per limited key, period and window, with the
// time after which it may go. It has no change trigger: counters are not configuration.
const rateLimitingSchema = `
CREATE TABLE ratelimiting_metrics (
  key         text        NOT NULL,
  period      text        NOT NULL,
  period_date timestamptz NOT NULL,
  value       bigint      NOT NULL DEFAULT 0,
  ttl         timestamptz NOT NULL,
  PRIMARY KEY (key, period, period_date)
);
CREATE INDEX ratelimiting_metrics_ttl_idx ON ratelimiting_metrics (ttl);
`

// incrementCounters adds each row's delta in one statement and returns the new values.
// Rows are sorted by key so two nodes lock them in the same order.
const incrementCounters = `
INSERT INTO ratelimiting_metrics AS m (key, period, period_date, value, ttl)
SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[], $5::timestamptz[])
  ORDER BY 1, 2, 3
ON CONFLICT (key, period, period_date) DO UPDATE SET value = m.value + EXCLUDED.value
RETURNING key, period, period_date, value`

// counterRetries bounds the retries of a batch that lost a deadlock or serialization
// race to another node's batch.
const counterRetries = 3

type counterID struct {
	key, period string
	start       int64
}

func idOf(k store.CounterKey) counterID {
	return counterID{k.Key, k.Period, k.Start.UnixMicro()}
}

// IncrementCounters implements store.Counters: the increments are summed per counter
// into one UPSERT ... RETURNING, and each caller's value is rebuilt from the counter's
// value after the statement by replaying the batch in order.
func (s *Store) IncrementCounters(ctx context.Context, incs []store.CounterIncrement) ([][]int64, error) {
	totals := map[counterID]int64{}
	first := map[counterID]store.CounterKey{}
	for _, inc := range incs {
		for _, k := range inc.Keys {
			id := idOf(k)
			if _, ok := first[id]; !ok {
				first[id] = k
			}
			totals[id] += inc.Delta
		}
	}
	ids := make([]counterID, 0, len(totals))
	for id := range totals {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := ids[i], ids[j]
		if a.key != b.key {
			return a.key < b.key
		}
		if a.period != b.period {
			return a.period < b.period
		}
		return a.start < b.start
	})
	keys, periods := make([]string, len(ids)), make([]string, len(ids))
	starts, ttls := make([]time.Time, len(ids)), make([]time.Time, len(ids))
	deltas := make([]int64, len(ids))
	for i, id := range ids {
		k := first[id]
		keys[i], periods[i], starts[i], ttls[i], deltas[i] = k.Key, k.Period, k.Start.UTC(), k.Expires.UTC(), totals[id]
	}
	after, err := s.upsertCounters(ctx, keys, periods, starts, deltas, ttls)
	if err != nil {
		return nil, err
	}
	running := map[counterID]int64{}
	for id, v := range after {
		running[id] = v - totals[id]
	}
	out := make([][]int64, len(incs))
	for i, inc := range incs {
		out[i] = make([]int64, len(inc.Keys))
		for j, k := range inc.Keys {
			id := idOf(k)
			running[id] += inc.Delta
			out[i][j] = running[id]
		}
	}
	return out, nil
}

func (s *Store) upsertCounters(ctx context.Context, keys, periods []string, starts []time.Time, deltas []int64, ttls []time.Time) (map[counterID]int64, error) {
	var lastErr error
	for range counterRetries {
		rows, err := s.pool.Query(ctx, incrementCounters, keys, periods, starts, deltas, ttls)
		if err != nil {
			return nil, fmt.Errorf("increment counters: %w", err)
		}
		after := make(map[counterID]int64, len(keys))
		var (
			id    counterID
			start time.Time
			v     int64
		)
		for rows.Next() {
			if err := rows.Scan(&id.key, &id.period, &start, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("increment counters: %w", err)
			}
			id.start = start.UnixMicro()
			after[id] = v
		}
		rows.Close()
		err = rows.Err()
		if err == nil {
			if len(after) != len(keys) {
				return nil, fmt.Errorf("increment counters: %d rows for %d counters", len(after), len(keys))
			}
			return after, nil
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "40P01" && pgErr.Code != "40001") {
			return nil, fmt.Errorf("increment counters: %w", err)
		}
		lastErr = err
	}
	return nil, fmt.Errorf("increment counters: %w", lastErr)
}

// PurgeCounters implements store.Counters.
func (s *Store) PurgeCounters(ctx context.Context, now time.Time) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM ratelimiting_metrics WHERE ttl < $1", now.UTC()); err != nil {
		return fmt.Errorf("purge counters: %w", err)
	}
	return nil
}

var _ store.Counters = (*Store)(nil)
