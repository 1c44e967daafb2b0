// Package cassandra is weir's Cassandra store, on gocql, for teams that run Cassandra
// everywhere (Kong dropped it in 3.4; weir keeps it).
//
// Cassandra has no transactions, joins or secondary-index scans worth using, so the
// data model is built from partition-key lookups (see schema.go):
//
//   - every entity is one row of `entities`, partitioned by entity type and a bucket
//     hashed from its id, holding Kong's JSON; that row is the truth;
//   - unique values (names, usernames, keys, SNIs, cache keys, and the id itself) are
//     claimed in `unique_keys` with lightweight transactions (INSERT ... IF NOT EXISTS)
//     before the entity is written, and the claims are rolled back when the write fails;
//   - tags and foreign keys are indexed in `tags` and `refs`, partitioned by the tag or
//     the parent; index rows are written before the entity and checked against it when
//     read, so a stale index row never shows a wrong entity;
//   - cascades are explicit: deleting a parent deletes its children's rows in one logged
//     batch, and refuses while a restricting child exists;
//   - wasm binaries are split into 256 KiB chunks, far below Cassandra's mutation limit;
//   - other nodes learn of changes from `cluster_events`, polled at db_update_frequency.
//
// No query lacks a partition key and none uses ALLOW FILTERING.
package cassandra

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
)

// Config says how to reach the cluster; the fields are Kong's cassandra_* properties.
type Config struct {
	ContactPoints []string // cassandra_contact_points
	Port          int      // cassandra_port
	Keyspace      string   // cassandra_keyspace
	// Consistency is the consistency level of reads and writes (cassandra_consistency),
	// such as ONE, LOCAL_QUORUM or QUORUM.
	Consistency string
	Timeout     time.Duration // cassandra_timeout
	Username    string        // cassandra_username
	Password    string        // cassandra_password; credentials are sent when it is set
	SSL         bool          // cassandra_ssl
	SSLVerify   bool          // cassandra_ssl_verify
	// LBPolicy is RoundRobin, RequestRoundRobin, DCAwareRoundRobin or
	// RequestDCAwareRoundRobin (cassandra_lb_policy); the DC-aware ones need
	// LocalDatacenter (cassandra_local_datacenter).
	LBPolicy        string
	LocalDatacenter string
	// ReplStrategy (SimpleStrategy or NetworkTopologyStrategy), ReplFactor and
	// DataCenters ("dc1:2,dc2:3") set the keyspace's replication when migrations
	// create it (cassandra_repl_strategy, cassandra_repl_factor, cassandra_data_centers).
	ReplStrategy string
	ReplFactor   int
	DataCenters  []string
	// UpdateFrequency is how often cluster_events is polled (db_update_frequency).
	UpdateFrequency time.Duration
	// Logger receives connection losses and recoveries; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if len(c.ContactPoints) == 0 {
		c.ContactPoints = []string{"127.0.0.1"}
	}
	if c.Port == 0 {
		c.Port = 9042
	}
	if c.Keyspace == "" {
		c.Keyspace = "weir"
	}
	if c.Consistency == "" {
		c.Consistency = "ONE"
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.LBPolicy == "" {
		c.LBPolicy = "RequestRoundRobin"
	}
	if c.ReplStrategy == "" {
		c.ReplStrategy = "SimpleStrategy"
	}
	if c.ReplFactor <= 0 {
		c.ReplFactor = 1
	}
	if c.UpdateFrequency <= 0 {
		c.UpdateFrequency = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks the settings that do not need the cluster.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if _, err := parseConsistency(c.Consistency); err != nil {
		errs = append(errs, err)
	}
	switch c.LBPolicy {
	case "RoundRobin", "RequestRoundRobin":
	case "DCAwareRoundRobin", "RequestDCAwareRoundRobin":
		if c.LocalDatacenter == "" {
			errs = append(errs, fmt.Errorf("cassandra_local_datacenter must be set when cassandra_lb_policy is %s", c.LBPolicy))
		}
	default:
		errs = append(errs, fmt.Errorf("cassandra_lb_policy: %q is not one of RoundRobin, RequestRoundRobin, DCAwareRoundRobin, RequestDCAwareRoundRobin", c.LBPolicy))
	}
	if _, err := c.replication(); err != nil {
		errs = append(errs, err)
	}
	if !validIdent(c.Keyspace) {
		errs = append(errs, fmt.Errorf("cassandra_keyspace: %q is not a valid keyspace name", c.Keyspace))
	}
	return errors.Join(errs...)
}

func validIdent(s string) bool {
	if s == "" || len(s) > 48 {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func parseConsistency(s string) (gocql.Consistency, error) {
	switch strings.ToUpper(s) {
	case "ANY":
		return gocql.Any, nil
	case "ONE":
		return gocql.One, nil
	case "TWO":
		return gocql.Two, nil
	case "THREE":
		return gocql.Three, nil
	case "QUORUM":
		return gocql.Quorum, nil
	case "ALL":
		return gocql.All, nil
	case "LOCAL_QUORUM":
		return gocql.LocalQuorum, nil
	case "EACH_QUORUM":
		return gocql.EachQuorum, nil
	case "LOCAL_ONE":
		return gocql.LocalOne, nil
	}
	return 0, fmt.Errorf("cassandra_consistency: %q is not a consistency level", s)
}

// replication is the keyspace's replication map as CQL.
func (c Config) replication() (string, error) {
	switch c.ReplStrategy {
	case "SimpleStrategy":
		return fmt.Sprintf("{'class': 'SimpleStrategy', 'replication_factor': %d}", c.ReplFactor), nil
	case "NetworkTopologyStrategy":
		if len(c.DataCenters) == 0 {
			return "", errors.New("cassandra_data_centers must list dc:factor pairs for NetworkTopologyStrategy")
		}
		parts := []string{"'class': 'NetworkTopologyStrategy'"}
		for _, dc := range c.DataCenters {
			name, n, ok := strings.Cut(strings.TrimSpace(dc), ":")
			f, err := strconv.Atoi(n)
			if !ok || err != nil || f < 1 || !validDC(name) {
				return "", fmt.Errorf("cassandra_data_centers: %q is not dc_name:replication_factor", dc)
			}
			parts = append(parts, fmt.Sprintf("'%s': %d", name, f))
		}
		return "{" + strings.Join(parts, ", ") + "}", nil
	}
	return "", fmt.Errorf("cassandra_repl_strategy: %q is not SimpleStrategy or NetworkTopologyStrategy", c.ReplStrategy)
}

func validDC(s string) bool {
	return s != "" && !strings.ContainsAny(s, "'\\")
}

// cluster builds gocql's configuration; keyspace is "" for migrations that create it.
func (c Config) cluster(keyspace string) (*gocql.ClusterConfig, error) {
	cons, err := parseConsistency(c.Consistency)
	if err != nil {
		return nil, err
	}
	cc := gocql.NewCluster(c.ContactPoints...)
	cc.Port = c.Port
	cc.Keyspace = keyspace
	cc.ProtoVersion = 4
	cc.Consistency = cons
	cc.SerialConsistency = gocql.Serial
	if strings.HasPrefix(strings.ToUpper(c.Consistency), "LOCAL_") {
		cc.SerialConsistency = gocql.LocalSerial
	}
	cc.Timeout = c.Timeout
	cc.ConnectTimeout = c.Timeout
	cc.WriteTimeout = c.Timeout
	cc.MaxWaitSchemaAgreement = 10 * c.Timeout
	cc.Metadata.CacheMode = gocql.KeyspaceOnly
	cc.ReconnectInterval = c.UpdateFrequency
	cc.Logger = slogLogger{c.Logger}
	if c.Password != "" {
		cc.Authenticator = gocql.PasswordAuthenticator{Username: c.Username, Password: c.Password}
	}
	if c.SSL {
		cc.SslOpts = &gocql.SslOptions{Config: &tls.Config{InsecureSkipVerify: !c.SSLVerify}, EnableHostVerification: c.SSLVerify}
	}
	var fallback gocql.HostSelectionPolicy
	switch c.LBPolicy {
	case "DCAwareRoundRobin", "RequestDCAwareRoundRobin":
		fallback = gocql.DCAwareRoundRobinPolicy(c.LocalDatacenter)
	default:
		fallback = gocql.RoundRobinHostPolicy()
	}
	cc.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(fallback)
	return cc, nil
}

// Store is a Cassandra store. It is safe for concurrent use.
type Store struct {
	cfg     Config
	sess    *gocql.Session
	node    string
	changes chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
	// lost is set by any operation that found the cluster unreachable, so the next
	// successful poll signals even when the outage fell between two polls.
	lost atomic.Bool
	// health tracks the shared health states (health.go).
	health healthReader
}

// Open connects, checks that the keyspace is migrated, and starts polling
// cluster_events for other nodes' changes.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cc, err := cfg.cluster(cfg.Keyspace)
	if err != nil {
		return nil, err
	}
	sess, err := createSession(cc)
	if err != nil {
		return nil, explainNoSession(ctx, cfg, err)
	}
	s := &Store{cfg: cfg, sess: sess, node: uuid.NewString(), changes: make(chan struct{}, 1)}
	s.health.changes = make(chan struct{}, 1)
	st, err := readState(ctx, sess, cfg.Keyspace, cfg.Timeout)
	if err == nil {
		err = st.Ready()
	}
	if err != nil {
		sess.Close()
		return nil, err
	}
	pollCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stop, s.done = cancel, make(chan struct{})
	go s.poll(pollCtx)
	return s, nil
}

func createSession(cc *gocql.ClusterConfig) (*gocql.Session, error) {
	sess, err := cc.CreateSession()
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// explainNoSession says why no session could use the keyspace: when the cluster
// answers without it, the keyspace is missing or not migrated, which the operator fixes
// with `weir migrations`; otherwise the cluster is unreachable.
func explainNoSession(ctx context.Context, cfg Config, err error) error {
	unreachable := store.Unavailable(fmt.Errorf("cassandra: %w", err))
	cc, cerr := cfg.cluster("")
	if cerr != nil {
		return unreachable
	}
	sess, serr := createSession(cc)
	if serr != nil {
		return unreachable
	}
	defer sess.Close()
	st, rerr := readState(ctx, sess, cfg.Keyspace, cfg.Timeout)
	if rerr != nil {
		return unreachable
	}
	if rerr = st.Ready(); rerr != nil {
		return rerr
	}
	return unreachable
}

// Close stops polling and closes the session.
func (s *Store) Close() error {
	s.stop()
	<-s.done
	s.sess.Close()
	return nil
}

// Ping reports whether the cluster answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var v string
	if err := s.sess.Query("SELECT release_version FROM system.local WHERE key = 'local'").WithContext(ctx).Scan(&v); err != nil {
		return s.fail(ctx, fmt.Errorf("ping: %w", err))
	}
	return nil
}

// Changes receives a value after this node's writes and after other nodes' changes.
func (s *Store) Changes() <-chan struct{} { return s.changes }

func (s *Store) signal() {
	select {
	case s.changes <- struct{}{}:
	default:
	}
}

// fail classifies an error: store errors pass through; errors Cassandra answered stay
// database errors; no connection, timeouts and unavailable replicas mean the
// database cannot be reached (503 in the Admin API).
func (s *Store) fail(ctx context.Context, err error) error {
	var se *store.Error
	var re gocql.RequestError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrUnavailable):
		return err
	case errors.Is(err, context.Canceled) && context.Cause(ctx) == context.Canceled:
		return err
	case errors.As(err, &re):
		switch re.Code() {
		case gocql.ErrCodeUnavailable, gocql.ErrCodeOverloaded, gocql.ErrCodeBootstrapping,
			gocql.ErrCodeWriteTimeout, gocql.ErrCodeReadTimeout, gocql.ErrCodeCredentials:
			s.lost.Store(true)
			return store.Unavailable(err)
		}
		return fmt.Errorf("cassandra: %w", err)
	}
	s.lost.Store(true)
	return store.Unavailable(err)
}

type slogLogger struct{ l *slog.Logger }

func (l slogLogger) Error(msg string, fields ...gocql.LogField) { l.log(slog.LevelWarn, msg, fields) }
func (l slogLogger) Warning(msg string, fields ...gocql.LogField) {
	l.log(slog.LevelDebug, msg, fields)
}
func (l slogLogger) Info(msg string, fields ...gocql.LogField)  { l.log(slog.LevelDebug, msg, fields) }
func (l slogLogger) Debug(msg string, fields ...gocql.LogField) { l.log(slog.LevelDebug, msg, fields) }

func (l slogLogger) log(level slog.Level, msg string, fields []gocql.LogField) {
	if !l.l.Enabled(context.Background(), level) {
		return
	}
	args := make([]any, 0, 2*len(fields))
	for _, f := range fields {
		args = append(args, f.Name, f.Value.Any())
	}
	l.l.Log(context.Background(), level, "cassandra: "+msg, args...)
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

var _ store.Store = (*Store)(nil)
