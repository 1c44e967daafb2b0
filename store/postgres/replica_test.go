package postgres_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/postgres"
)

// TestReplicaBehindIsNotRead: with pg_ro_* set, a node reads its configuration from the
// replica, but never one older than the newest change it has seen on the primary. The
// "replica" here is a second database that receives no writes: a replica that stopped
// replaying, the worst case of lag.
func TestReplicaBehindIsNotRead(t *testing.T) {
	primary, stale := bootstrapped(t), bootstrapped(t)
	s, err := postgres.Open(ctx, postgres.Config{DSN: primary, ReadOnlyDSN: stale, UpdateFrequency: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	<-s.Changes() // the watcher is connected

	name := "written-on-the-primary"
	if err := s.Services().Insert(ctx, &store.Service{ID: uuid.NewString(), Name: &name, Protocol: "http",
		Host: "example.com", Port: 80, Retries: 5, ConnectTimeout: 60000, ReadTimeout: 60000, WriteTimeout: 60000, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Changes():
	case <-time.After(5 * time.Second):
		t.Fatal("no change signal for the write")
	}
	ds, err := s.Dataset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Services) != 1 || *ds.Services[0].Name != name {
		t.Fatalf("dataset after the change has %d services: read from the stale replica", len(ds.Services))
	}
}
