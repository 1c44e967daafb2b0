package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weir-gateway/weir/store"
)

// The store's migration errors and state, under this package's names.
var (
	ErrNotBootstrapped = store.ErrNotBootstrapped
	ErrPending         = store.ErrPending
	ErrTooNew          = store.ErrTooNew
)

// State is where a database stands against Migrations.
type State = store.MigrationState

// querier is what reading the state needs: a pool, a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readState reads weir_schema_meta.
func readState(ctx context.Context, q querier) (*State, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('weir_schema_meta') IS NOT NULL").Scan(&exists); err != nil {
		return nil, err
	}
	st := &State{Bootstrapped: exists}
	done := map[string]bool{}
	if exists {
		rows, err := q.Query(ctx, "SELECT name, finished FROM weir_schema_meta ORDER BY name")
		if err != nil {
			return nil, err
		}
		type row struct {
			Name     string
			Finished bool
		}
		recorded, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			return nil, err
		}
		for _, r := range recorded {
			done[r.Name] = r.Finished
			switch {
			case !slices.ContainsFunc(Migrations, func(m Migration) bool { return m.Name == r.Name }):
				st.Unknown = append(st.Unknown, r.Name)
			case r.Finished:
				st.Executed = append(st.Executed, r.Name)
			default:
				st.Pending = append(st.Pending, r.Name)
			}
		}
	}
	for _, m := range Migrations {
		if _, ok := done[m.Name]; !ok {
			st.New = append(st.New, m.Name)
		}
	}
	return st, nil
}

// Migrator runs `weir migrations` against one database. Every command that changes
// the schema holds a PostgreSQL advisory lock, so nodes that run the same command at
// once take turns and the later ones find nothing left to do.
type Migrator struct {
	pool        *pgxpool.Pool
	schema      string
	lockTimeout time.Duration
}

// migrationLock is the advisory lock key ("weir" in ASCII).
const migrationLock = 0x77656972

// NewMigrator connects for migrations. lockTimeout bounds the wait for another node's
// migration (Kong's --lock-timeout, 60 s by default).
func NewMigrator(ctx context.Context, cfg Config, lockTimeout time.Duration) (*Migrator, error) {
	cfg = cfg.withDefaults()
	pool, err := connect(ctx, cfg, cfg.DSN)
	if err != nil {
		return nil, err
	}
	if lockTimeout <= 0 {
		lockTimeout = 60 * time.Second
	}
	return &Migrator{pool: pool, schema: cfg.Schema, lockTimeout: lockTimeout}, nil
}

// Close releases the connections.
func (m *Migrator) Close() { m.pool.Close() }

// State reads where the database stands.
func (m *Migrator) State(ctx context.Context) (*State, error) {
	st, err := readState(ctx, m.pool)
	if err != nil {
		return nil, fmt.Errorf("read migration state: %w", err)
	}
	return st, nil
}

// Bootstrap creates weir's schema on an empty database and returns the migrations it
// ran; on a bootstrapped database it runs nothing.
func (m *Migrator) Bootstrap(ctx context.Context) ([]string, error) {
	var ran []string
	err := m.locked(ctx, func(conn *pgxpool.Conn) error {
		st, err := readState(ctx, conn)
		if err != nil || st.Bootstrapped {
			return err
		}
		if err := m.createMeta(ctx, conn); err != nil {
			return err
		}
		ran, err = runUps(ctx, conn, Migrations, true)
		return err
	})
	return ran, err
}

// Up runs the migrations the database has not seen, leaving their teardowns pending.
func (m *Migrator) Up(ctx context.Context) ([]string, error) {
	var ran []string
	err := m.locked(ctx, func(conn *pgxpool.Conn) error {
		st, err := readState(ctx, conn)
		if err != nil {
			return err
		}
		if !st.Bootstrapped {
			return ErrNotBootstrapped
		}
		ran, err = runUps(ctx, conn, selectMigrations(st.New), false)
		return err
	})
	return ran, err
}

// Finish runs the pending teardowns.
func (m *Migrator) Finish(ctx context.Context) ([]string, error) {
	var ran []string
	err := m.locked(ctx, func(conn *pgxpool.Conn) error {
		st, err := readState(ctx, conn)
		if err != nil {
			return err
		}
		if !st.Bootstrapped {
			return ErrNotBootstrapped
		}
		for _, mig := range selectMigrations(st.Pending) {
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if err := execScript(ctx, tx, mig.Teardown); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "UPDATE weir_schema_meta SET finished = true WHERE name = $1", mig.Name)
				return err
			})
			if err != nil {
				return fmt.Errorf("migration %s (teardown): %w", mig.Name, err)
			}
			ran = append(ran, mig.Name)
		}
		return nil
	})
	return ran, err
}

// Reset drops every table weir created, with everything in them.
func (m *Migrator) Reset(ctx context.Context) error {
	return m.locked(ctx, func(conn *pgxpool.Conn) error {
		if _, err := conn.Exec(ctx, dropSchema); err != nil {
			return fmt.Errorf("drop weir's tables: %w", err)
		}
		return nil
	})
}

func (m *Migrator) createMeta(ctx context.Context, conn *pgxpool.Conn) error {
	if m.schema != "" {
		if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{m.schema}.Sanitize()); err != nil {
			return fmt.Errorf("create schema %s: %w", m.schema, err)
		}
	}
	_, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS weir_schema_meta (
		name text PRIMARY KEY, finished boolean NOT NULL, executed_at timestamptz NOT NULL DEFAULT now())`)
	if err != nil {
		return fmt.Errorf("create weir_schema_meta: %w", err)
	}
	return nil
}

// runUps runs each migration's up, and with finish its teardown, in one transaction
// together with its record in weir_schema_meta.
func runUps(ctx context.Context, conn *pgxpool.Conn, migs []Migration, finish bool) ([]string, error) {
	var ran []string
	for _, mig := range migs {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if err := execScript(ctx, tx, mig.Up); err != nil {
				return err
			}
			done := mig.Teardown == ""
			if finish && !done {
				if err := execScript(ctx, tx, mig.Teardown); err != nil {
					return err
				}
				done = true
			}
			_, err := tx.Exec(ctx, "INSERT INTO weir_schema_meta (name, finished) VALUES ($1, $2)", mig.Name, done)
			return err
		})
		if err != nil {
			return ran, fmt.Errorf("migration %s: %w", mig.Name, err)
		}
		ran = append(ran, mig.Name)
	}
	return ran, nil
}

// execScript runs a multi-statement script through the simple protocol.
func execScript(ctx context.Context, tx pgx.Tx, sql string) error {
	if strings.TrimSpace(sql) == "" {
		return nil
	}
	_, err := tx.Conn().PgConn().Exec(ctx, sql).ReadAll()
	return err
}

func selectMigrations(names []string) []Migration {
	var out []Migration
	for _, m := range Migrations {
		if slices.Contains(names, m.Name) {
			out = append(out, m)
		}
	}
	return out
}

// locked runs fn on one connection holding the migration lock, waiting up to the lock
// timeout for another node to finish.
func (m *Migrator) locked(ctx context.Context, fn func(*pgxpool.Conn) error) error {
	conn, err := m.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Release()
	deadline := time.Now().Add(m.lockTimeout)
	for {
		var got bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", migrationLock).Scan(&got); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		if got {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("another node held the migration lock for more than %s", m.lockTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	return fn(conn)
}
