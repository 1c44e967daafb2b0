// Package pgtest gives tests a PostgreSQL database of their own. The server comes from
// WEIR_TEST_PG_DSN when set, else a server already answering on 127.0.0.1:5432 (user
// postgres, trust auth), else a throwaway cluster started with the installed
// PostgreSQL server binaries. Each test gets a fresh database, dropped when it ends.
//
// Without any of these a test skips with a loud message, except under CI (CI=true) or
// with WEIR_TEST_REQUIRE_PG=1, where it fails: CI must never pass by skipping.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// localDSN is the machine's own server, used when it answers.
const localDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var server struct {
	once    sync.Once
	dsn     string
	cluster *Cluster
	err     error
}

// Main runs a package's tests and stops the throwaway cluster, if one was started.
// Call it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	if server.cluster != nil {
		server.cluster.Stop()
		server.cluster.Remove()
	}
	return code
}

// Required reports whether a test must fail, not skip, without PostgreSQL.
func Required() bool {
	return os.Getenv("WEIR_TEST_REQUIRE_PG") == "1" || os.Getenv("CI") == "true"
}

// Unavailable skips t loudly, or fails it when PostgreSQL is required.
func Unavailable(t testing.TB, why error) {
	t.Helper()
	msg := fmt.Sprintf("PostgreSQL NOT AVAILABLE, test not run: %v (set WEIR_TEST_PG_DSN, or install the postgresql server package)", why)
	if Required() {
		t.Fatal(msg)
	}
	t.Skip("SKIPPING: " + msg)
}

// ServerDSN returns the DSN of a server's maintenance database.
func ServerDSN(t testing.TB) string {
	t.Helper()
	server.once.Do(func() {
		if dsn := os.Getenv("WEIR_TEST_PG_DSN"); dsn != "" {
			server.dsn, server.err = dsn, ping(dsn)
			return
		}
		if ping(localDSN) == nil {
			server.dsn = localDSN
			return
		}
		server.cluster, server.err = StartCluster()
		if server.err == nil {
			server.dsn = server.cluster.DSN("postgres")
		}
	})
	if server.err != nil {
		Unavailable(t, server.err)
	}
	return server.dsn
}

// Database creates an empty database for t and returns its DSN; it is dropped when t
// ends.
func Database(t testing.TB) string {
	t.Helper()
	return DatabaseOn(t, ServerDSN(t))
}

// DatabaseOn creates an empty database on the server at serverDSN.
func DatabaseOn(t testing.TB, serverDSN string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "weir_test_" + hex.EncodeToString(b)
	if err := execSQL(serverDSN, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := execSQL(serverDSN, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	cfg, err := pgx.ParseConfig(serverDSN)
	if err != nil {
		t.Fatal(err)
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(cfg.User, cfg.Password),
		Host: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), Path: "/" + name, RawQuery: "sslmode=disable"}
	if cfg.Password == "" {
		u.User = url.User(cfg.User)
	}
	return u.String()
}

func ping(dsn string) error {
	return execSQL(dsn, "SELECT 1")
}

func execSQL(dsn, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
