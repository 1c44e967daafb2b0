package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/weir-gateway/weir/store"
)

// healthChannel is the channel health state writes notify on.
const healthChannel = "weir_health"

// healthLock is the advisory lock health writes take ("weir" + 1): it makes the order
// of their commits the order of their seqs, so a reader that saw seq n never misses a
// write with a smaller seq committed after it.
const healthLock = migrationLock + 1

// PutHealthState implements store.HealthStates. A state for an upstream that no
// longer exists is dropped.
func (s *Store) PutHealthState(ctx context.Context, st store.HealthState) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", healthLock); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO weir_health_states (upstream_id, address, state, node, manual, at)
			SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM upstreams WHERE id = $1)
			ON CONFLICT (upstream_id, address) DO UPDATE SET state = EXCLUDED.state, node = EXCLUDED.node,
			  manual = EXCLUDED.manual, at = EXCLUDED.at, seq = EXCLUDED.seq
			WHERE weir_health_states.at <= EXCLUDED.at`,
			st.UpstreamID, st.Address, st.State, st.Node, st.Manual, st.At)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		_, err = tx.Exec(ctx, "SELECT pg_notify($1, '')", healthChannel)
		return err
	})
	if err != nil {
		return s.fail(ctx, fmt.Errorf("put health state: %w", err))
	}
	return nil
}

// HealthStatesSince implements store.HealthStates; it reads the primary.
func (s *Store) HealthStatesSince(ctx context.Context, seq int64) ([]store.HealthState, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT upstream_id::text, address, state, node, manual, at, seq
		FROM weir_health_states WHERE seq > $1 ORDER BY seq`, seq)
	if err != nil {
		return nil, seq, s.fail(ctx, fmt.Errorf("read health states: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.HealthState, error) {
		var st store.HealthState
		err := r.Scan(&st.UpstreamID, &st.Address, &st.State, &st.Node, &st.Manual, &st.At, &st.Seq)
		return st, err
	})
	if err != nil {
		return nil, seq, s.fail(ctx, fmt.Errorf("read health states: %w", err))
	}
	if len(out) > 0 {
		seq = out[len(out)-1].Seq
	}
	return out, seq, nil
}

// HealthChanges implements store.HealthStates: it fires on other nodes' writes
// (NOTIFY weir_health) and at every poll of the change table, which covers lost
// notifications.
func (s *Store) HealthChanges() <-chan struct{} { return s.healthChanges }

func (s *Store) signalHealth() {
	select {
	case s.healthChanges <- struct{}{}:
	default:
	}
}

var _ store.HealthStates = (*Store)(nil)
