package postgres_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/embedded"
)

// fill stores one entity of every kind, related as a real configuration is.
func fill(t *testing.T, s store.Store) {
	t.Helper()
	name, user := "svc", "alice"
	svc := &store.Service{ID: uuid.NewString(), Name: &name, Protocol: "http", Host: "h", Port: 80, Tags: []string{"t"}}
	rt := &store.Route{ID: uuid.NewString(), Paths: []string{"/p"}, Service: &store.Ref{ID: svc.ID}}
	c := &store.Consumer{ID: uuid.NewString(), Username: &user}
	p := &store.Plugin{ID: uuid.NewString(), Name: "mod", Config: json.RawMessage(`{"b":1,"a":[true,null]}`), Route: &store.Ref{ID: rt.ID}, Enabled: true}
	for _, err := range []error{
		s.WasmModules().Insert(ctx, &store.WasmModule{ID: uuid.NewString(), Name: "mod", Priority: 5}, []byte("\x00asm\x01\x00\x00\x00")),
		s.Services().Insert(ctx, svc), s.Routes().Insert(ctx, rt), s.Consumers().Insert(ctx, c), s.Plugins().Insert(ctx, p),
		s.KeyAuthCredentials().Insert(ctx, &store.KeyAuthCredential{ID: uuid.NewString(), Key: "k", Consumer: &store.Ref{ID: c.ID}}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// normal is an export as plain JSON values, so key order inside configs (which JSONB
// does not keep) does not count as a difference.
func normal(t *testing.T, s store.Store) any {
	t.Helper()
	e, err := store.ExportFrom(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestExportImportBetweenBackends moves a configuration embedded -> PostgreSQL ->
// embedded and requires it unchanged at every step; importing twice changes nothing.
func TestExportImportBetweenBackends(t *testing.T) {
	openEmbedded := func() store.Store {
		s, err := embedded.Open(filepath.Join(t.TempDir(), "weir.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	src := openEmbedded()
	fill(t, src)
	want := normal(t, src)
	pg := open(t, bootstrapped(t))
	defer pg.Close()
	back := openEmbedded()
	for _, hop := range []struct {
		name     string
		from, to store.Store
	}{{"embedded to postgres", src, pg}, {"postgres to embedded", pg, back}, {"again, as an upsert", src, pg}} {
		t.Run(hop.name, func(t *testing.T) {
			e, err := store.ExportFrom(ctx, hop.from)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := store.ImportInto(ctx, hop.to, e); err != nil || n != 6 {
				t.Fatalf("imported %d, %v", n, err)
			}
			if got := normal(t, hop.to); !reflect.DeepEqual(got, want) {
				t.Fatalf("after import:\n%v\nwant\n%v", got, want)
			}
		})
	}
}
