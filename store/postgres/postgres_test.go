package postgres_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/postgres"
	"github.com/weir-gateway/weir/store/postgres/pgtest"
	"github.com/weir-gateway/weir/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// bootstrapped returns the DSN of a fresh database with weir's schema.
func bootstrapped(t *testing.T) string {
	t.Helper()
	return bootstrappedB(t)
}

func bootstrappedB(t testing.TB) string {
	t.Helper()
	dsn := pgtest.Database(t)
	m, err := postgres.NewMigrator(ctx, postgres.Config{DSN: dsn}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	return dsn
}

func open(t *testing.T, dsn string) *postgres.Store {
	t.Helper()
	return openPolling(t, dsn, 100*time.Millisecond)
}

func openPolling(t *testing.T, dsn string, every time.Duration) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(ctx, postgres.Config{DSN: dsn, UpdateFrequency: every})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, bootstrapped(t)) })
}

// TestConstraintsInDatabase checks that every unique constraint and foreign key the
// store metadata declares exists in the database under the name the error mapping
// expects, with Kong's delete rule.
func TestConstraintsInDatabase(t *testing.T) {
	dsn := bootstrapped(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rules := map[string]string{}
	rows, err := conn.Query(ctx, `SELECT conname, contype::text, confdeltype::text FROM pg_constraint`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, typ, del string
		if err := rows.Scan(&name, &typ, &del); err != nil {
			t.Fatal(err)
		}
		rules[name] = typ + del
	}
	for _, u := range store.Uniques {
		name := u.Entity + "_" + u.Fields[0] + "_unique"
		if len(u.Fields) > 1 {
			name = u.Entity + "_cache_key_unique"
		}
		if rules[name] == "" || rules[name][0] != 'u' {
			t.Errorf("unique constraint %s missing", name)
		}
	}
	for _, r := range store.Relations {
		want := "fr" // restrict
		if r.OnDelete == store.Cascade {
			want = "fc"
		}
		if name := r.Child + "_" + r.Field + "_fkey"; rules[name] != want {
			t.Errorf("foreign key %s: %q, want %q", name, rules[name], want)
		}
	}
}

func TestOpenRefusesUnmigratedDatabase(t *testing.T) {
	dsn := pgtest.Database(t)
	_, err := postgres.Open(ctx, postgres.Config{DSN: dsn})
	if !errors.Is(err, postgres.ErrNotBootstrapped) {
		t.Fatalf("open on an empty database: %v", err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE TABLE weir_schema_meta (name text PRIMARY KEY, finished boolean NOT NULL, executed_at timestamptz NOT NULL DEFAULT now())")
	if err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, postgres.Config{DSN: dsn})
	if !errors.Is(err, postgres.ErrPending) || err.Error() == "" {
		t.Fatalf("open with new migrations: %v", err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO weir_schema_meta (name, finished) VALUES ('999_future', true)"); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, postgres.Config{DSN: dsn})
	if !errors.Is(err, postgres.ErrTooNew) {
		t.Fatalf("open on a newer schema: %v", err)
	}
}

func TestMigrations(t *testing.T) {
	dsn := pgtest.Database(t)
	m, err := postgres.NewMigrator(ctx, postgres.Config{DSN: dsn}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Up(ctx); !errors.Is(err, postgres.ErrNotBootstrapped) {
		t.Fatalf("up before bootstrap: %v", err)
	}
	// Several nodes bootstrapping at once: exactly one runs the migrations.
	var wg sync.WaitGroup
	results := make(chan []string, 4)
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			ran, err := m.Bootstrap(ctx)
			results <- ran
			errs <- err
		})
	}
	wg.Wait()
	close(results)
	close(errs)
	total := 0
	for ran := range results {
		total += len(ran)
	}
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent bootstrap: %v", err)
		}
	}
	if total != len(postgres.Migrations) {
		t.Fatalf("concurrent bootstraps ran %d migrations, want %d", total, len(postgres.Migrations))
	}
	st, err := m.State(ctx)
	if err != nil || st.Ready() != nil || len(st.Executed) != len(postgres.Migrations) {
		t.Fatalf("state after bootstrap: %+v %v", st, err)
	}
	for name, step := range map[string]func(context.Context) ([]string, error){"up": m.Up, "finish": m.Finish, "bootstrap": m.Bootstrap} {
		if ran, err := step(ctx); err != nil || len(ran) != 0 {
			t.Fatalf("%s on a current database ran %v, %v", name, ran, err)
		}
	}
	s := open(t, dsn)
	name := "kept"
	if err := s.Services().Insert(ctx, &store.Service{ID: uuid.NewString(), Name: &name, Protocol: "http", Host: "h", Port: 80}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := m.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := m.State(ctx); err != nil || st.Bootstrapped {
		t.Fatalf("state after reset: %+v %v", st, err)
	}
	if ran, err := m.Bootstrap(ctx); err != nil || len(ran) != len(postgres.Migrations) {
		t.Fatalf("bootstrap after reset: %v %v", ran, err)
	}
}

// TestChangesAcrossStores: a write through one store reaches another store on the
// same database (another node) through LISTEN/NOTIFY, long before the next poll.
func TestChangesAcrossStores(t *testing.T) {
	dsn := bootstrapped(t)
	a, b := open(t, dsn), openPolling(t, dsn, time.Minute)
	defer a.Close()
	defer b.Close()
	waitSignal(t, b, time.Second) // the signal every watcher gives once connected
	name := "from-a"
	start := time.Now()
	if err := a.Services().Insert(ctx, &store.Service{ID: uuid.NewString(), Name: &name, Protocol: "http", Host: "h", Port: 80}); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, b, time.Second)
	t.Logf("change reached the other store in %v", time.Since(start))
	if _, err := b.Services().GetBy(ctx, "name", name); err != nil {
		t.Fatal(err)
	}
}

func waitSignal(t *testing.T, s store.Store, within time.Duration) {
	t.Helper()
	select {
	case <-s.Changes():
	case <-time.After(within):
		t.Fatalf("no change signal within %v", within)
	}
}

// TestChangeTablePolled: a change recorded without a notification (one lost with a
// connection) is found by polling the change table within db_update_frequency.
func TestChangeTablePolled(t *testing.T) {
	dsn := bootstrapped(t)
	s := openPolling(t, dsn, 200*time.Millisecond)
	defer s.Close()
	waitSignal(t, s, time.Second)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "INSERT INTO weir_changes (entity, op) VALUES ('services', 'INSERT')"); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, s, time.Second)
	select {
	case <-s.Changes():
		t.Fatal("polling signalled again without a new change")
	case <-time.After(500 * time.Millisecond):
	}
}

func TestHealthStates(t *testing.T) {
	storetest.RunHealthStates(t, func(t *testing.T) store.Store { return open(t, bootstrapped(t)) })
}

// TestHealthStatesNotify: a write on one node wakes the other's HealthChanges, and
// deleting the upstream drops its states.
func TestHealthStatesNotify(t *testing.T) {
	dsn := bootstrapped(t)
	a, b := openPolling(t, dsn, time.Hour), openPolling(t, dsn, time.Hour)
	defer a.Close()
	defer b.Close()
	up := &store.Upstream{ID: uuid.NewString(), Name: "u", Healthchecks: []byte(`{}`)}
	if err := a.Upstreams().Insert(ctx, up); err != nil {
		t.Fatal(err)
	}
	drain := func() {
		for {
			select {
			case <-b.HealthChanges():
			case <-time.After(300 * time.Millisecond):
				return
			}
		}
	}
	drain()
	st := store.HealthState{UpstreamID: up.ID, Address: "10.0.0.1:80", State: "UNHEALTHY", Node: "a", At: time.Now()}
	if err := a.PutHealthState(ctx, st); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.HealthChanges():
	case <-time.After(5 * time.Second):
		t.Fatal("no health notification on the other node")
	}
	got, _, err := b.HealthStatesSince(ctx, 0)
	if err != nil || len(got) != 1 || got[0].State != "UNHEALTHY" {
		t.Fatalf("other node reads %+v, %v", got, err)
	}
	// a state for an upstream that is gone is dropped, and a deleted upstream's go too
	if err := a.PutHealthState(ctx, store.HealthState{UpstreamID: uuid.NewString(), Address: "x:1", State: "HEALTHY", Node: "a", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := a.Upstreams().Delete(ctx, up.ID); err != nil {
		t.Fatal(err)
	}
	if got, _, err := b.HealthStatesSince(ctx, 0); err != nil || len(got) != 0 {
		t.Fatalf("after deleting the upstream: %+v, %v", got, err)
	}
}
