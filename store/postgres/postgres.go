// Package postgres is weir's production store: PostgreSQL through pgx, shared by every
// node of a cluster. Each Admin API write is one transaction; the database enforces
// the constraints (see schema.go); every committed change is announced to all nodes
// with LISTEN/NOTIFY, and a change table they poll covers lost notifications.
package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weir-gateway/weir/store"
)

// Config says how to reach the database.
type Config struct {
	// DSN is a libpq connection string or URL for the primary.
	DSN string
	// ReadOnlyDSN, when set, is a replica the proxy's reads (Dataset, WasmBinary) use.
	ReadOnlyDSN string
	// Schema, when set, is the schema weir's tables live in (pg_schema).
	Schema string
	// Timeout bounds connecting and each Admin API operation (pg_timeout).
	Timeout time.Duration
	// MaxConns caps each pool; 0 keeps pgx's default (pg_max_concurrent_queries).
	MaxConns int
	// UpdateFrequency is how often the change table is polled (db_update_frequency).
	UpdateFrequency time.Duration
	// Logger receives connection losses and recoveries; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.UpdateFrequency <= 0 {
		c.UpdateFrequency = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// poolConfig parses dsn and applies the schema, timeout and pool size.
func (c Config) poolConfig(dsn string) (*pgxpool.Config, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres connection settings: %w", err)
	}
	pc.ConnConfig.ConnectTimeout = c.Timeout
	if c.Schema != "" {
		pc.ConnConfig.RuntimeParams["search_path"] = c.Schema
	}
	if c.MaxConns > 0 {
		pc.MaxConns = int32(c.MaxConns)
	}
	return pc, nil
}

func connect(ctx context.Context, c Config, dsn string) (*pgxpool.Pool, error) {
	pc, err := c.poolConfig(dsn)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return pool, nil
}

// Store is a PostgreSQL store. It is safe for concurrent use.
type Store struct {
	cfg  Config
	pool *pgxpool.Pool
	ro   *pgxpool.Pool
	// primaryChange is the newest weir_changes id the watcher saw on the primary; a
	// replica that has not replayed it is not read (see Dataset).
	primaryChange atomic.Int64
	changes       chan struct{}
	// healthChanges is signalled by weir_health notifications and every poll.
	healthChanges chan struct{}
	stopWatch     context.CancelFunc
	watchDone     chan struct{}
}

// Open connects and checks that the schema is current: a database that is not
// bootstrapped, or that has migrations this weir has not run, is refused with the
// command that fixes it. It then starts watching for other nodes' changes.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	pool, err := connect(ctx, cfg, cfg.DSN)
	if err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, pool: pool, ro: pool, changes: make(chan struct{}, 1), healthChanges: make(chan struct{}, 1)}
	if err := s.checkSchema(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if cfg.ReadOnlyDSN != "" {
		if s.ro, err = connect(ctx, cfg, cfg.ReadOnlyDSN); err != nil {
			pool.Close()
			return nil, fmt.Errorf("read-only replica: %w", err)
		}
	}
	watchCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopWatch, s.watchDone = cancel, make(chan struct{})
	go s.watch(watchCtx)
	return s, nil
}

func (s *Store) checkSchema(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	st, err := readState(ctx, s.pool)
	if err != nil {
		return s.fail(ctx, fmt.Errorf("read schema state: %w", err))
	}
	return st.Ready()
}

// Close stops the watcher and closes the pools.
func (s *Store) Close() error {
	s.stopWatch()
	<-s.watchDone
	if s.ro != s.pool {
		s.ro.Close()
	}
	s.pool.Close()
	return nil
}

// Ping reports whether the primary answers within the timeout.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return s.fail(ctx, fmt.Errorf("ping: %w", err))
	}
	return nil
}

// Changes receives a value after this node's writes and after other nodes' changes;
// see store.Reader.
func (s *Store) Changes() <-chan struct{} { return s.changes }

func (s *Store) signal() {
	select {
	case s.changes <- struct{}{}:
	default:
	}
}

func (s *Store) Services() store.Table[store.Service] {
	return &table[store.Service]{s, store.Services}
}
func (s *Store) Routes() store.Table[store.Route] { return &table[store.Route]{s, store.Routes} }
func (s *Store) Consumers() store.Table[store.Consumer] {
	return &table[store.Consumer]{s, store.Consumers}
}
func (s *Store) Plugins() store.Table[store.Plugin] { return &table[store.Plugin]{s, store.Plugins} }
func (s *Store) KeyAuthCredentials() store.Table[store.KeyAuthCredential] {
	return &table[store.KeyAuthCredential]{s, store.KeyAuthCredentials}
}
func (s *Store) Upstreams() store.Table[store.Upstream] {
	return &table[store.Upstream]{s, store.Upstreams}
}
func (s *Store) Targets() store.Table[store.Target] { return &table[store.Target]{s, store.Targets} }
func (s *Store) JWTSecrets() store.Table[store.JWTSecret] {
	return &table[store.JWTSecret]{s, store.JWTSecrets}
}
func (s *Store) BasicAuthCredentials() store.Table[store.BasicAuthCredential] {
	return &table[store.BasicAuthCredential]{s, store.BasicAuthCredentials}
}
func (s *Store) ACLs() store.Table[store.ACL] { return &table[store.ACL]{s, store.ACLs} }
func (s *Store) HMACAuthCredentials() store.Table[store.HMACAuthCredential] {
	return &table[store.HMACAuthCredential]{s, store.HMACAuthCredentials}
}
func (s *Store) Certificates() store.Table[store.Certificate] {
	return &table[store.Certificate]{s, store.Certificates}
}
func (s *Store) SNIs() store.Table[store.SNI] { return &table[store.SNI]{s, store.SNIs} }
func (s *Store) CACertificates() store.Table[store.CACertificate] {
	return &table[store.CACertificate]{s, store.CACertificates}
}
func (s *Store) Vaults() store.Table[store.Vault]   { return &table[store.Vault]{s, store.Vaults} }
func (s *Store) KeySets() store.Table[store.KeySet] { return &table[store.KeySet]{s, store.KeySets} }
func (s *Store) Keys() store.Table[store.Key]       { return &table[store.Key]{s, store.Keys} }
func (s *Store) WasmModules() store.WasmTable {
	return &wasmTable{table[store.WasmModule]{s, store.WasmModules}}
}

// write runs fn in one transaction, maps its error, and signals Changes after commit.
func (s *Store) write(ctx context.Context, fn func(pgx.Tx) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := pgx.BeginFunc(ctx, s.pool, fn); err != nil {
		return s.fail(ctx, err)
	}
	s.signal()
	return nil
}

// read runs fn in a read-only transaction on the primary, so the Admin API reads what
// it has just written.
func (s *Store) read(ctx context.Context, fn func(pgx.Tx) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	opts := pgx.TxOptions{AccessMode: pgx.ReadOnly}
	if err := pgx.BeginTxFunc(ctx, s.pool, opts, fn); err != nil {
		return s.fail(ctx, err)
	}
	return nil
}

var _ store.Store = (*Store)(nil)
