package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/host/wasmpool"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/postgres"
)

// seedLarge writes 10,000 services with a route each, 10,000 consumers with a key each
// and 1,000 plugins, straight in SQL so the set-up takes seconds.
func seedLarge(b *testing.B, dsn string) {
	b.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`INSERT INTO services (id, entity) SELECT u, jsonb_build_object('id', u, 'name', 's' || i, 'protocol', 'http',
			'host', 'upstream' || i, 'port', 80, 'enabled', true, 'tags', '[]'::jsonb)
			FROM (SELECT i, gen_random_uuid() AS u FROM generate_series(1, 10000) i) x`,
		`INSERT INTO routes (id, entity) SELECT u, jsonb_build_object('id', u, 'name', 'r-' || (s.entity->>'name'),
			'paths', jsonb_build_array('/' || (s.entity->>'name')), 'protocols', '["http","https"]'::jsonb, 'strip_path', true,
			'service', jsonb_build_object('id', s.id)) FROM (SELECT *, gen_random_uuid() AS u FROM services) s`,
		`INSERT INTO consumers (id, entity) SELECT u, jsonb_build_object('id', u, 'username', 'c' || i)
			FROM (SELECT i, gen_random_uuid() AS u FROM generate_series(1, 10000) i) x`,
		`INSERT INTO keyauth_credentials (id, entity) SELECT u, jsonb_build_object('id', u, 'key', 'key-' || c.id::text,
			'consumer', jsonb_build_object('id', c.id)) FROM (SELECT id, gen_random_uuid() AS u FROM consumers) c`,
		`INSERT INTO plugins (id, entity) SELECT u, jsonb_build_object('id', u, 'name', 'key-auth', 'enabled', true,
			'config', '{"key_names":["apikey"],"hide_credentials":false}'::jsonb, 'route', jsonb_build_object('id', r.id))
			FROM (SELECT id, gen_random_uuid() AS u FROM routes ORDER BY id LIMIT 1000) r`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
}

// BenchmarkDatasetLarge is the database half of a node's snapshot load: 10,000 routes,
// 10,000 consumers with credentials and 1,000 plugins (target: well under 2 s).
func BenchmarkDatasetLarge(b *testing.B) {
	dsn := bootstrappedB(b)
	seedLarge(b, dsn)
	s, err := postgres.Open(ctx, postgres.Config{DSN: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		ds, err := s.Dataset(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(ds.Routes) != 10000 || len(ds.KeyAuthCredentials) != 10000 || len(ds.Plugins) != 1000 {
			b.Fatalf("dataset %d routes %d credentials %d plugins", len(ds.Routes), len(ds.KeyAuthCredentials), len(ds.Plugins))
		}
	}
}

// BenchmarkPropagation is the time from a committed write on one node to the change
// signal on another.
func BenchmarkPropagation(b *testing.B) {
	dsn := bootstrappedB(b)
	writer, err := postgres.Open(ctx, postgres.Config{DSN: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer writer.Close()
	reader, err := postgres.Open(ctx, postgres.Config{DSN: dsn, UpdateFrequency: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer reader.Close()
	<-reader.Changes() // the watcher's signal on connecting
	for b.Loop() {
		name := uuid.NewString()
		if err := writer.Consumers().Insert(ctx, &store.Consumer{ID: uuid.NewString(), Username: &name}); err != nil {
			b.Fatal(err)
		}
		select {
		case <-reader.Changes():
		case <-time.After(2 * time.Second):
			b.Fatal("no change signal within 2 s")
		}
	}
}

// keyAuthOnly resolves every plugin to key-auth's priority without running wasm: the
// benchmark measures building the snapshot, not starting plugins.
type keyAuthOnly struct{}

func (keyAuthOnly) Lookup(context.Context, string, map[string]*store.WasmModule) (*wasmpool.Pool, int, error) {
	return nil, 1250, nil
}

// BenchmarkSnapshotLarge is a node's whole snapshot load from PostgreSQL: the dataset
// read above plus building the router, indexes and plugin table (target: under 2 s).
func BenchmarkSnapshotLarge(b *testing.B) {
	dsn := bootstrappedB(b)
	seedLarge(b, dsn)
	s, err := postgres.Open(ctx, postgres.Config{DSN: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		ds, err := s.Dataset(ctx)
		if err != nil {
			b.Fatal(err)
		}
		snap, err := snapshot.Build(ctx, ds, keyAuthOnly{})
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.PluginNames()) != 1 || snap.KeyAuthCredential("key-"+ds.Consumers[0].ID) == nil {
			b.Fatal("snapshot is missing plugins or credentials")
		}
	}
}
