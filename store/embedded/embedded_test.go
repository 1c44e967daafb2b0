package embedded_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/embedded"
	"github.com/weir-gateway/weir/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := embedded.Open(filepath.Join(t.TempDir(), "weir.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOpenCreatesDirsAndMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deep", "er", "weir.db")
	s, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion()
	if err != nil || v < 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "weir.db")
	s, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	name := "kept"
	svc := &store.Service{ID: uuid.NewString(), Name: &name, Protocol: "http", Host: "h", Port: 80}
	if err := s.Services().Insert(ctx, svc); err != nil {
		t.Fatal(err)
	}
	mod := &store.WasmModule{ID: uuid.NewString(), Name: "m"}
	if err := s.WasmModules().Insert(ctx, mod, []byte("\x00asm")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Services().GetBy(ctx, "name", "kept")
	if err != nil || got.ID != svc.ID {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if _, err := s.WasmBinary(ctx, mod.SHA256); err != nil {
		t.Fatalf("binary after reopen: %v", err)
	}
	// The unique index survived too.
	dup := &store.Service{ID: uuid.NewString(), Name: &name, Protocol: "http", Host: "h", Port: 80}
	if err := s.Services().Insert(ctx, dup); err == nil {
		t.Fatal("unique index lost on reopen")
	}
}

func TestHealthStates(t *testing.T) {
	storetest.RunHealthStates(t, func(t *testing.T) store.Store {
		s, err := embedded.Open(filepath.Join(t.TempDir(), "weir.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
