package admin_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/postgres"
	"github.com/weir-gateway/weir/store/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// pgPrefix marks the subtests of TestOnPostgres: newEnv gives them a PostgreSQL store.
const pgPrefix = "TestOnPostgres/"

// TestOnPostgres runs the Admin API scenarios again on PostgreSQL, so every endpoint
// and error class behaves the same on both backends (constraint errors there come from
// the database itself).
func TestOnPostgres(t *testing.T) {
	scenarios := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"Quickstart", TestQuickstart}, {"Errors", TestErrors}, {"CRUD", TestCRUD},
		{"Nested", TestNestedCascadeAndRestrict}, {"Pagination", TestPaginationAndTags},
		{"FullLastPage", TestFullLastPage}, {"Filters", TestUniqueFilters}, {"Tags", TestTagsEndpoint},
		{"Validate", TestSchemaValidate}, {"Defaults", TestSchemaDefaultsMatchAPI},
		{"Upstreams", TestUpstreamsAndTargets},
		{"TargetHealth", TestTargetHealthOverride}, {"NoHealthChecker", TestTargetHealthWithoutChecker},
		{"HashCoupling", TestUpstreamHashCoupling}, {"Keys", TestKeysAndKeySets}, {"Vaults", TestVaults}, {"Credentials", TestCredentials},
		{"Certificates", TestCertificatesAndSNIs}, {"CACertificates", TestCACertificates},
		{"Wasm", TestWasmModules},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, sc.fn)
	}
}

// openPostgres returns a migrated PostgreSQL store in a database of its own.
func openPostgres(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	dsn := pgtest.Database(t)
	m, err := postgres.NewMigrator(ctx, postgres.Config{DSN: dsn}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(ctx, postgres.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func onPostgres(t *testing.T) bool { return strings.HasPrefix(t.Name(), pgPrefix) }
