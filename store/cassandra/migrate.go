package cassandra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
)

// The store's migration errors, under this package's names.
var (
	ErrNotBootstrapped = store.ErrNotBootstrapped
	ErrPending         = store.ErrPending
	ErrTooNew          = store.ErrTooNew
)

// Migration is one step of the schema. Cassandra has no transactional DDL, so every
// statement is idempotent (IF NOT EXISTS) and a migration interrupted half-way is simply
// run again.
type Migration struct {
	Name       string
	Statements []string
}

// Migrations are every schema step, oldest first. Kong 3.3's CQL schema (one table per
// entity, secondary indexes, full-table scans to list) was the starting point; weir's tables are keyed so
// that no read needs a scan. See the package documentation for the model.
var Migrations = []Migration{
	{Name: "000_base", Statements: []string{
		// entities holds every entity as Kong's JSON. A partition is one entity type
		// and one of `buckets` buckets, so no partition grows with the whole table.
		`CREATE TABLE IF NOT EXISTS entities (entity text, bucket int, id text, data text,
			PRIMARY KEY ((entity, bucket), id))`,
		// unique_keys claims each unique value (and each id) with IF NOT EXISTS.
		`CREATE TABLE IF NOT EXISTS unique_keys (entity text, key text, id text,
			PRIMARY KEY ((entity, key)))`,
		// tags indexes entities by tag, one partition per entity type and tag.
		`CREATE TABLE IF NOT EXISTS tags (entity text, tag text, id text,
			PRIMARY KEY ((entity, tag), id))`,
		// refs indexes children by parent (field is the foreign key) and plugins by
		// name (field "name"), one partition per parent.
		`CREATE TABLE IF NOT EXISTS refs (entity text, field text, value text, id text,
			PRIMARY KEY ((entity, field, value), id))`,
	}},
	{Name: "001_wasm_binaries", Statements: []string{
		`CREATE TABLE IF NOT EXISTS wasm_binaries (sha256 text, size bigint, chunks int,
			PRIMARY KEY (sha256))`,
		`CREATE TABLE IF NOT EXISTS wasm_chunks (sha256 text, n int, data blob,
			PRIMARY KEY ((sha256), n))`,
	}},
	{Name: "002_cluster_events", Statements: []string{
		// One partition per channel, rows ordered by time, expiring after a day.
		`CREATE TABLE IF NOT EXISTS cluster_events (channel text, at timestamp, id text, node_id text,
			PRIMARY KEY ((channel), at, id)) WITH default_time_to_live = 86400`,
	}},
	{Name: "003_health_states", Statements: []string{
		// The latest health transition per upstream and target address (see
		// health.go): one partition, one small row per target, read whole at each poll.
		`CREATE TABLE IF NOT EXISTS health_states (channel text, upstream_id text, address text,
			state text, node text, manual boolean, at timestamp,
			PRIMARY KEY ((channel), upstream_id, address))`,
	}},
}

// metaTables are created before any migration: the record of migrations and the lock
// that serializes nodes running them.
var metaTables = []string{
	`CREATE TABLE IF NOT EXISTS schema_meta (key text, name text, executed_at timestamp,
		PRIMARY KEY ((key), name))`,
	`CREATE TABLE IF NOT EXISTS locks (key text, owner text, PRIMARY KEY (key))`,
}

// State is where a keyspace stands against Migrations (Cassandra migrations have no
// teardown, so Pending stays empty).
type State = store.MigrationState

func readState(ctx context.Context, sess *gocql.Session, keyspace string, timeout time.Duration) (*State, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var name string
	err := sess.Query(`SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?`, keyspace).WithContext(ctx).Scan(&name)
	if errors.Is(err, gocql.ErrNotFound) {
		return &State{New: names(Migrations)}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read keyspaces: %w", err)
	}
	st := &State{Bootstrapped: true}
	done := map[string]bool{}
	iter := sess.Query(`SELECT name FROM ` + keyspace + `.schema_meta WHERE key = 'migrations'`).WithContext(ctx).Iter()
	for iter.Scan(&name) {
		done[name] = true
		if !slices.ContainsFunc(Migrations, func(m Migration) bool { return m.Name == name }) {
			st.Unknown = append(st.Unknown, name)
		} else {
			st.Executed = append(st.Executed, name)
		}
	}
	if err := iter.Close(); err != nil {
		if strings.Contains(err.Error(), "unconfigured table") {
			return &State{New: names(Migrations)}, nil
		}
		return nil, fmt.Errorf("read schema_meta: %w", err)
	}
	if len(done) == 0 {
		// A keyspace the operator created, or one a bootstrap left before its first
		// migration: bootstrap (re)runs from the start.
		return &State{New: names(Migrations)}, nil
	}
	for _, m := range Migrations {
		if !done[m.Name] {
			st.New = append(st.New, m.Name)
		}
	}
	return st, nil
}

func names(ms []Migration) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

// Migrator runs `weir migrations` against one keyspace. Commands that change the
// schema hold a lock row taken with a lightweight transaction, so nodes running the
// same command at once take turns; each waits for schema agreement across the cluster
// after every change.
type Migrator struct {
	cfg         Config
	sess        *gocql.Session
	lockTimeout time.Duration
}

// NewMigrator connects without a keyspace, since bootstrap creates it.
func NewMigrator(ctx context.Context, cfg Config, lockTimeout time.Duration) (*Migrator, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cc, err := cfg.cluster("")
	if err != nil {
		return nil, err
	}
	sess, err := createSession(cc)
	if err != nil {
		return nil, fmt.Errorf("connect to cassandra: %w", err)
	}
	if lockTimeout <= 0 {
		lockTimeout = 60 * time.Second
	}
	return &Migrator{cfg: cfg, sess: sess, lockTimeout: lockTimeout}, nil
}

// Close releases the connections.
func (m *Migrator) Close() { m.sess.Close() }

// State reads where the keyspace stands.
func (m *Migrator) State(ctx context.Context) (*State, error) {
	st, err := readState(ctx, m.sess, m.cfg.Keyspace, m.cfg.Timeout)
	if err != nil {
		return nil, fmt.Errorf("read migration state: %w", err)
	}
	return st, nil
}

// Bootstrap creates the keyspace, with the configured replication, and every table;
// on a bootstrapped keyspace it runs nothing.
func (m *Migrator) Bootstrap(ctx context.Context) ([]string, error) {
	repl, err := m.cfg.replication()
	if err != nil {
		return nil, err
	}
	ks := m.cfg.Keyspace
	if err := m.ddl(ctx, `CREATE KEYSPACE IF NOT EXISTS `+ks+` WITH replication = `+repl+` AND durable_writes = true`); err != nil {
		return nil, fmt.Errorf("create keyspace %s: %w", ks, err)
	}
	for _, q := range metaTables {
		if err := m.ddl(ctx, qualify(q, ks)); err != nil {
			return nil, err
		}
	}
	var ran []string
	err = m.locked(ctx, func() error {
		st, err := m.State(ctx)
		if err != nil {
			return err
		}
		if st.Bootstrapped {
			return nil
		}
		ran, err = m.run(ctx, st.New)
		return err
	})
	return ran, err
}

// Up runs the migrations the keyspace has not seen.
func (m *Migrator) Up(ctx context.Context) ([]string, error) {
	if st, err := m.State(ctx); err != nil {
		return nil, err
	} else if !st.Bootstrapped {
		return nil, ErrNotBootstrapped
	}
	var ran []string
	err := m.locked(ctx, func() error {
		st, err := m.State(ctx)
		if err != nil {
			return err
		}
		if !st.Bootstrapped {
			return ErrNotBootstrapped
		}
		ran, err = m.run(ctx, st.New)
		return err
	})
	return ran, err
}

// Finish has nothing to do: Cassandra migrations have no teardown.
func (m *Migrator) Finish(context.Context) ([]string, error) { return nil, nil }

// Reset drops the keyspace with everything in it.
func (m *Migrator) Reset(ctx context.Context) error {
	return m.ddl(ctx, `DROP KEYSPACE IF EXISTS `+m.cfg.Keyspace)
}

func (m *Migrator) run(ctx context.Context, pending []string) ([]string, error) {
	var ran []string
	for _, mig := range Migrations {
		if !slices.Contains(pending, mig.Name) {
			continue
		}
		for _, q := range mig.Statements {
			if err := m.ddl(ctx, qualify(q, m.cfg.Keyspace)); err != nil {
				return ran, fmt.Errorf("migration %s: %w", mig.Name, err)
			}
		}
		err := m.sess.Query(`INSERT INTO `+m.cfg.Keyspace+`.schema_meta (key, name, executed_at) VALUES ('migrations', ?, ?)`,
			mig.Name, time.Now()).WithContext(ctx).Exec()
		if err != nil {
			return ran, fmt.Errorf("record migration %s: %w", mig.Name, err)
		}
		ran = append(ran, mig.Name)
	}
	return ran, nil
}

// ddl runs one schema statement and waits until every node agrees on the schema.
func (m *Migrator) ddl(ctx context.Context, q string) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout*10)
	defer cancel()
	if err := m.sess.Query(q).WithContext(ctx).Exec(); err != nil {
		return err
	}
	if err := m.sess.AwaitSchemaAgreement(ctx); err != nil {
		return fmt.Errorf("wait for schema agreement: %w", err)
	}
	return nil
}

// qualify names the keyspace of the table a CREATE TABLE statement creates.
func qualify(q, ks string) string {
	const prefix = "CREATE TABLE IF NOT EXISTS "
	return prefix + ks + "." + strings.TrimPrefix(q, prefix)
}

// locked runs fn holding the migration lock: a row of `locks` claimed with IF NOT
// EXISTS and a TTL, so a node that dies holding it frees it after the lock timeout.
func (m *Migrator) locked(ctx context.Context, fn func() error) error {
	owner := uuid.NewString()
	ttl := int(m.lockTimeout / time.Second)
	deadline := time.Now().Add(m.lockTimeout)
	for {
		applied, err := m.sess.Query(`INSERT INTO `+m.cfg.Keyspace+`.locks (key, owner) VALUES ('migrations', ?) IF NOT EXISTS USING TTL ?`,
			owner, ttl).WithContext(ctx).MapScanCAS(map[string]any{})
		if err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		if applied {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("another node held the migration lock for more than %s", m.lockTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	defer func() {
		_, _ = m.sess.Query(`DELETE FROM `+m.cfg.Keyspace+`.locks WHERE key = 'migrations' IF owner = ?`, owner).
			WithContext(context.WithoutCancel(ctx)).MapScanCAS(map[string]any{})
	}()
	return fn()
}
