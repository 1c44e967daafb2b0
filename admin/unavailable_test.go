package admin_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/admin"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/embedded"
)

// downStore is a store whose database has gone away: every service operation and
// Ping fail as a PostgreSQL store's do during an outage.
type downStore struct {
	store.Store
}

var errOutage = store.Unavailable(errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"))

func (downStore) Ping(context.Context) error             { return errOutage }
func (d downStore) Services() store.Table[store.Service] { return downTable[store.Service]{} }
func (d downStore) WasmModules() store.WasmTable         { return d.Store.WasmModules() }
func (d downStore) KeyAuthCredentials() store.Table[store.KeyAuthCredential] {
	return d.Store.KeyAuthCredentials()
}

type downTable[T any] struct{}

func (downTable[T]) Get(context.Context, string) (*T, error)           { return nil, errOutage }
func (downTable[T]) GetBy(context.Context, string, string) (*T, error) { return nil, errOutage }
func (downTable[T]) List(context.Context, store.ListOptions) (*store.Page[T], error) {
	return nil, errOutage
}
func (downTable[T]) Delete(context.Context, string) error { return errOutage }
func (downTable[T]) Insert(context.Context, *T) error     { return errOutage }
func (downTable[T]) Update(context.Context, *T) error     { return errOutage }

func TestDatabaseOutage(t *testing.T) {
	e := newEnvWith(t, func(s store.Store) store.Store { return downStore{s} })
	tests := []struct {
		method, path, body string
	}{
		{"GET", "/services", ""},
		{"GET", "/services/example", ""},
		{"POST", "/services", `{"name":"s","url":"http://example.com"}`},
		{"PATCH", "/services/example", `{"retries":1}`},
		{"DELETE", "/services/example", ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			m := e.want(e.json(tc.method, tc.path, tc.body), http.StatusServiceUnavailable)
			if msg, _ := m["message"].(string); !strings.Contains(msg, "database is unreachable") {
				t.Fatalf("message %q", msg)
			}
		})
	}
	t.Run("status", func(t *testing.T) {
		m := e.want(e.json("GET", "/status", ""), http.StatusOK)
		if db, _ := m["database"].(map[string]any); db["reachable"] != false {
			t.Fatalf("status %v", m)
		}
	})
}

// The Status API's readiness probe follows the database: 503 in Kong's words while
// it is unreachable.
func TestStatusReadiness(t *testing.T) {
	db, err := embedded.Open(filepath.Join(t.TempDir(), "weir.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		name   string
		store  store.Store
		status int
		body   string
	}{
		{"database up", db, http.StatusOK, `{"message":"ready"}`},
		{"database down", downStore{db}, http.StatusServiceUnavailable, `{"message":"failed to connect to database"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := admin.New(admin.Options{Store: tt.store, ValidateModule: fakeValidate}).StatusHandler()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/status/ready", nil))
			if rec.Code != tt.status || strings.TrimSpace(rec.Body.String()) != tt.body {
				t.Fatalf("%d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
		})
	}
}
