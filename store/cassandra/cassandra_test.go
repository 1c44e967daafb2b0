package cassandra_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/cassandra"
	"github.com/weir-gateway/weir/store/cassandra/cqltest"
	"github.com/weir-gateway/weir/store/storetest"
)

var ctx = context.Background()

// A cluster is where the tests run: the in-memory test double always, and a real
// Cassandra as well when WEIR_TEST_CASSANDRA_HOSTS lists contact points
// (host[:port],...).
type cluster struct {
	name  string
	hosts []string
	port  int
	// double is set for the test double, which tests of outages can stop.
	double *cqltest.Server
}

var (
	doubleOnce sync.Once
	shared     *cqltest.Server
	sharedErr  error
)

func clusters(t *testing.T) []cluster {
	doubleOnce.Do(func() { shared, sharedErr = cqltest.Start() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	out := []cluster{{name: "double", hosts: []string{shared.Host()}, port: shared.Port(), double: shared}}
	if env := os.Getenv("WEIR_TEST_CASSANDRA_HOSTS"); env != "" {
		real := cluster{name: "cassandra", port: 9042}
		for _, h := range strings.Split(env, ",") {
			host, port, ok := strings.Cut(strings.TrimSpace(h), ":")
			if ok {
				fmt.Sscan(port, &real.port)
			}
			real.hosts = append(real.hosts, host)
		}
		out = append(out, real)
	}
	return out
}

// config names a fresh keyspace on c.
func config(c cluster) cassandra.Config {
	return cassandra.Config{ContactPoints: c.hosts, Port: c.port, Timeout: 10 * time.Second,
		Keyspace: "weir_test_" + strings.ReplaceAll(uuid.NewString()[:13], "-", "_"), UpdateFrequency: 50 * time.Millisecond}
}

// bootstrapped creates cfg's keyspace and drops it when the test ends.
func bootstrapped(t *testing.T, cfg cassandra.Config) {
	t.Helper()
	m, err := cassandra.NewMigrator(ctx, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Bootstrap(ctx); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = m.Reset(ctx)
		m.Close()
	})
}

func open(t *testing.T, cfg cassandra.Config) *cassandra.Store {
	t.Helper()
	s, err := cassandra.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	for _, c := range clusters(t) {
		t.Run(c.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				cfg := config(c)
				bootstrapped(t, cfg)
				return open(t, cfg)
			})
		})
	}
	// Every value travels as a bound parameter: the store's statements are a small
	// fixed set, whatever the data (migrations name the keyspace and are left out).
	var data []string
	for q := range shared.Statements() {
		if !strings.Contains(q, "weir_test_") && !strings.HasPrefix(q, "CREATE") && !strings.HasPrefix(q, "DROP") {
			data = append(data, q)
		}
	}
	if len(data) == 0 || len(data) > 40 {
		t.Fatalf("%d distinct statements:\n%s", len(data), strings.Join(data, "\n"))
	}
}

func str(s string) *string { return &s }

// TestChangesAcrossNodes: a write through one store reaches another store on the same
// keyspace through cluster_events, and not before the write.
func TestChangesAcrossNodes(t *testing.T) {
	for _, c := range clusters(t) {
		t.Run(c.name, func(t *testing.T) {
			cfg := config(c)
			bootstrapped(t, cfg)
			a, b := open(t, cfg), open(t, cfg)
			defer a.Close()
			defer b.Close()
			waitSignal(t, b, "first poll")
			drain(b)
			time.Sleep(3 * cfg.UpdateFrequency)
			if len(b.Changes()) != 0 {
				t.Fatal("signal without a change")
			}
			svc := &store.Service{ID: uuid.NewString(), Name: str("s"), Protocol: "http", Host: "h", Port: 80}
			if err := a.Services().Insert(ctx, svc); err != nil {
				t.Fatal(err)
			}
			waitSignal(t, b, "change from the other node")
			ds, err := b.Dataset(ctx)
			if err != nil || len(ds.Services) != 1 {
				t.Fatalf("dataset on the other node: %v %v", ds, err)
			}
		})
	}
}

func waitSignal(t *testing.T, s *cassandra.Store, what string) {
	t.Helper()
	select {
	case <-s.Changes():
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no signal", what)
	}
}

func drain(s *cassandra.Store) {
	for len(s.Changes()) > 0 {
		<-s.Changes()
	}
}

// TestOutage: while the cluster is away, reads and writes fail as unavailable; when it
// comes back the store reconnects and signals so the proxy rebuilds.
func TestOutage(t *testing.T) {
	srv, err := cqltest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := cluster{name: "double", hosts: []string{srv.Host()}, port: srv.Port(), double: srv}
	cfg := config(c)
	cfg.Timeout = time.Second
	bootstrapped(t, cfg)
	s := open(t, cfg)
	defer s.Close()
	waitSignal(t, s, "first poll")
	srv.Stop()
	if _, err := s.Dataset(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("dataset during the outage: %v", err)
	}
	err = s.Consumers().Insert(ctx, &store.Consumer{ID: uuid.NewString(), Username: str("bob")})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("write during the outage: %v", err)
	}
	drain(s)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Changes():
	case <-time.After(15 * time.Second):
		t.Fatal("no signal after the cluster came back")
	}
	if _, err := s.Dataset(ctx); err != nil {
		t.Fatalf("dataset after the outage: %v", err)
	}
}

// TestClaimsRolledBack: a write refused on its second unique value leaves its first
// one free.
func TestClaimsRolledBack(t *testing.T) {
	c := clusters(t)[0]
	cfg := config(c)
	bootstrapped(t, cfg)
	s := open(t, cfg)
	defer s.Close()
	first := &store.Consumer{ID: uuid.NewString(), Username: str("alice"), CustomID: str("c1")}
	if err := s.Consumers().Insert(ctx, first); err != nil {
		t.Fatal(err)
	}
	clash := &store.Consumer{ID: uuid.NewString(), Username: str("bob"), CustomID: str("c1")}
	if err := s.Consumers().Insert(ctx, clash); !errors.Is(err, store.ErrUniqueViolation) {
		t.Fatalf("clash: %v", err)
	}
	if err := s.Consumers().Insert(ctx, &store.Consumer{ID: uuid.NewString(), Username: str("bob")}); err != nil {
		t.Fatalf("bob's name stayed claimed: %v", err)
	}
	// The failed write's id is free as well.
	if err := s.Consumers().Insert(ctx, &store.Consumer{ID: clash.ID, Username: str("carol")}); err != nil {
		t.Fatalf("the id stayed claimed: %v", err)
	}
}

// TestWasmChunks: a binary of several chunks comes back whole, and goes with its
// module.
func TestWasmChunks(t *testing.T) {
	for _, c := range clusters(t) {
		t.Run(c.name, func(t *testing.T) {
			cfg := config(c)
			bootstrapped(t, cfg)
			s := open(t, cfg)
			defer s.Close()
			bin := make([]byte, 600<<10)
			for i := range bin {
				bin[i] = byte(i * 7)
			}
			m := &store.WasmModule{ID: uuid.NewString(), Name: "big"}
			if err := s.WasmModules().Insert(ctx, m, bin); err != nil {
				t.Fatal(err)
			}
			got, err := s.WasmBinary(ctx, m.SHA256)
			if err != nil || string(got) != string(bin) {
				t.Fatalf("binary of %d bytes back as %d: %v", len(bin), len(got), err)
			}
			if err := s.WasmModules().Delete(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.WasmBinary(ctx, m.SHA256); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("binary after its module: %v", err)
			}
		})
	}
}

// TestMigrations: a keyspace is refused until bootstrapped, then reports every
// migration executed; a node refuses a keyspace missing a newer migration.
func TestMigrations(t *testing.T) {
	c := clusters(t)[0]
	cfg := config(c)
	if _, err := cassandra.Open(ctx, cfg); !errors.Is(err, cassandra.ErrNotBootstrapped) {
		t.Fatalf("open before bootstrap: %v", err)
	}
	m, err := cassandra.NewMigrator(ctx, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	st, err := m.State(ctx)
	if err != nil || st.Bootstrapped || len(st.New) != len(cassandra.Migrations) {
		t.Fatalf("state before bootstrap: %+v %v", st, err)
	}
	const agreement = "SELECT schema_version FROM system.local WHERE key='local'"
	before := shared.Statements()[agreement]
	ran, err := m.Bootstrap(ctx)
	if err != nil || len(ran) != len(cassandra.Migrations) {
		t.Fatalf("bootstrap ran %v: %v", ran, err)
	}
	// Every schema change waits for schema agreement: keyspace, 2 meta tables, 7 tables.
	if n := shared.Statements()[agreement] - before; n < 10 {
		t.Fatalf("bootstrap checked schema agreement %d times", n)
	}
	defer m.Reset(ctx)
	if ran, err := m.Bootstrap(ctx); err != nil || len(ran) != 0 {
		t.Fatalf("second bootstrap ran %v: %v", ran, err)
	}
	if ran, err := m.Up(ctx); err != nil || len(ran) != 0 {
		t.Fatalf("up ran %v: %v", ran, err)
	}
	st, err = m.State(ctx)
	if err != nil || st.Ready() != nil || len(st.Executed) != len(cassandra.Migrations) {
		t.Fatalf("state after bootstrap: %+v %v", st, err)
	}
	s, err := cassandra.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// TestForeignOffset: an offset whose paging state Cassandra refuses is Kong's invalid
// offset, not a database error.
func TestForeignOffset(t *testing.T) {
	c := clusters(t)[0]
	cfg := config(c)
	bootstrapped(t, cfg)
	s := open(t, cfg)
	defer s.Close()
	for i := range 3 {
		if err := s.Consumers().Insert(ctx, &store.Consumer{ID: uuid.NewString(), Username: str(fmt.Sprint("u", i))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Consumers().List(ctx, store.ListOptions{Offset: "AAB3ZWly"}) // part 0, state "weir"
	if !errors.Is(err, store.ErrInvalidOffset) {
		t.Fatalf("tampered offset: %v", err)
	}
	_, err = s.Consumers().List(ctx, store.ListOptions{Offset: "AEA"}) // part 64 of 16
	if !errors.Is(err, store.ErrInvalidOffset) {
		t.Fatalf("offset past the last partition: %v", err)
	}
}

// TestFailedWriteReleasesClaims: when the batch writing an entity fails, its unique
// values are released; when it timed out after reaching the batch log (Cassandra will
// apply it), they are kept for it.
func TestFailedWriteReleasesClaims(t *testing.T) {
	srv, err := cqltest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := config(cluster{name: "double", hosts: []string{srv.Host()}, port: srv.Port()})
	bootstrapped(t, cfg)
	s := open(t, cfg)
	defer s.Close()

	srv.FailNext("INSERT INTO entities", 1, &cqltest.Error{Code: cqltest.ErrServer, Message: "disk full"})
	failed := &store.Consumer{ID: uuid.NewString(), Username: str("alice")}
	if err := s.Consumers().Insert(ctx, failed); err == nil {
		t.Fatal("insert succeeded through a failed batch")
	}
	if _, err := s.Consumers().Get(ctx, failed.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("failed insert left the entity: %v", err)
	}
	if err := s.Consumers().Insert(ctx, &store.Consumer{ID: uuid.NewString(), Username: str("alice")}); err != nil {
		t.Fatalf("the failed insert kept its username: %v", err)
	}

	srv.FailNext("INSERT INTO entities", 1, cqltest.WriteTimeout("BATCH"))
	if err := s.Consumers().Insert(ctx, &store.Consumer{ID: uuid.NewString(), Username: str("bob")}); err == nil {
		t.Fatal("insert succeeded through a timed-out batch")
	}
	err = s.Consumers().Insert(ctx, &store.Consumer{ID: uuid.NewString(), Username: str("bob")})
	if !errors.Is(err, store.ErrUniqueViolation) {
		t.Fatalf("a batch Cassandra will still apply lost its username: %v", err)
	}

	// An update whose batch fails keeps the old entity and frees the new value.
	alice, err := s.Consumers().GetBy(ctx, "username", "alice")
	if err != nil {
		t.Fatal(err)
	}
	alice.Username = str("alicia")
	srv.FailNext("INSERT INTO entities", 1, &cqltest.Error{Code: cqltest.ErrServer, Message: "disk full"})
	if err := s.Consumers().Update(ctx, alice); err == nil {
		t.Fatal("update succeeded through a failed batch")
	}
	if _, err := s.Consumers().GetBy(ctx, "username", "alice"); err != nil {
		t.Fatalf("failed update lost the old username: %v", err)
	}
	if err := s.Consumers().Insert(ctx, &store.Consumer{ID: uuid.NewString(), Username: str("alicia")}); err != nil {
		t.Fatalf("failed update kept the new username: %v", err)
	}
}

// TestDatasetLeavesOutHalfLinked: a child whose parent is missing (a write that raced
// a delete) is not served.
func TestDatasetLeavesOutHalfLinked(t *testing.T) {
	c := clusters(t)[0]
	cfg := config(c)
	bootstrapped(t, cfg)
	s := open(t, cfg)
	defer s.Close()
	svc := &store.Service{ID: uuid.NewString(), Name: str("s"), Protocol: "http", Host: "h", Port: 80}
	if err := s.Services().Insert(ctx, svc); err != nil {
		t.Fatal(err)
	}
	kept := &store.Route{ID: uuid.NewString(), Protocols: []string{"http"}, Paths: []string{"/a"}, Service: &store.Ref{ID: svc.ID}}
	if err := s.Routes().Insert(ctx, kept); err != nil {
		t.Fatal(err)
	}
	// Write a route of a missing service straight into the table.
	cc := gocql.NewCluster(c.hosts...)
	cc.Port, cc.Keyspace, cc.ProtoVersion = c.port, cfg.Keyspace, 4
	sess, err := cc.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	orphan := uuid.NewString()
	data := `{"id":"` + orphan + `","protocols":["http"],"paths":["/b"],"service":{"id":"` + uuid.NewString() + `"}}`
	// Which bucket holds an id is the store's business; the orphan is in one of them.
	if err := sess.Query(`INSERT INTO entities (entity, bucket, id, data) VALUES (?, ?, ?, ?)`, "routes", 0, orphan, data).Exec(); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Dataset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Routes) != 1 || ds.Routes[0].ID != kept.ID {
		t.Fatalf("routes served: %+v", ds.Routes)
	}
}

// TestBootstrapKeepsOperatorsKeyspace: a keyspace the operator created (with their own
// replication) counts as not bootstrapped, and bootstrap fills it without replacing it.
func TestBootstrapKeepsOperatorsKeyspace(t *testing.T) {
	c := clusters(t)[0]
	cfg := config(c)
	cc := gocql.NewCluster(c.hosts...)
	cc.Port, cc.ProtoVersion = c.port, 4
	sess, err := cc.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Query(`CREATE KEYSPACE ` + cfg.Keyspace + ` WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 1}`).Exec(); err != nil {
		t.Fatal(err)
	}
	if _, err := cassandra.Open(ctx, cfg); !errors.Is(err, cassandra.ErrNotBootstrapped) {
		t.Fatalf("open on an empty keyspace: %v", err)
	}
	bootstrapped(t, cfg)
	var repl map[string]string
	if err := sess.Query(`SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?`, cfg.Keyspace).Scan(&repl); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(repl["class"], "NetworkTopologyStrategy") {
		t.Fatalf("replication replaced: %v", repl)
	}
	s := open(t, cfg)
	s.Close()
}

func TestHealthStates(t *testing.T) {
	for _, c := range clusters(t) {
		t.Run(c.name, func(t *testing.T) {
			storetest.RunHealthStates(t, func(t *testing.T) store.Store {
				cfg := config(c)
				bootstrapped(t, cfg)
				return open(t, cfg)
			})
		})
	}
}

// TestHealthStatesAcrossNodes: a state one store writes is read by another on the same
// keyspace after its next poll, once.
func TestHealthStatesAcrossNodes(t *testing.T) {
	for _, c := range clusters(t) {
		t.Run(c.name, func(t *testing.T) {
			cfg := config(c)
			bootstrapped(t, cfg)
			a, b := open(t, cfg), open(t, cfg)
			defer a.Close()
			defer b.Close()
			_, seq, err := b.HealthStatesSince(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			st := store.HealthState{UpstreamID: uuid.NewString(), Address: "10.0.0.1:80", State: "UNHEALTHY", Node: "a",
				At: time.Now().Truncate(time.Millisecond)}
			if err := a.PutHealthState(ctx, st); err != nil {
				t.Fatal(err)
			}
			select {
			case <-b.HealthChanges():
			case <-time.After(5 * time.Second):
				t.Fatal("no poll signal")
			}
			got, next, err := b.HealthStatesSince(ctx, seq)
			if err != nil || len(got) != 1 || got[0].State != "UNHEALTHY" || !got[0].At.Equal(st.At) {
				t.Fatalf("other store reads %+v, %v", got, err)
			}
			if again, _, err := b.HealthStatesSince(ctx, next); err != nil || len(again) != 0 {
				t.Fatalf("read again: %+v, %v", again, err)
			}
		})
	}
}
