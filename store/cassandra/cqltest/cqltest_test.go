package cqltest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

func connect(t *testing.T, s *Server, ks string) *gocql.Session {
	t.Helper()
	c := gocql.NewCluster(s.Host())
	c.Port = s.Port()
	c.ProtoVersion = 4
	c.Keyspace = ks
	c.Timeout = 5 * time.Second
	c.Metadata.CacheMode = gocql.KeyspaceOnly
	c.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy())
	sess, err := c.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sess.Close)
	return sess
}

func setup(t *testing.T) (*Server, *gocql.Session) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	admin := connect(t, s, "")
	for _, q := range []string{
		`CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE IF NOT EXISTS ks.items (p text, c int, v text, PRIMARY KEY ((p), c))`,
		`CREATE TABLE IF NOT EXISTS ks.names (name text PRIMARY KEY, id text)`,
	} {
		if err := admin.Query(q).Exec(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return s, connect(t, s, "ks")
}

func code(err error) int {
	var re gocql.RequestError
	if errors.As(err, &re) {
		return re.Code()
	}
	return -1
}

func TestRowsPagingAndRestrictions(t *testing.T) {
	_, sess := setup(t)
	b := sess.Batch(gocql.LoggedBatch)
	for i := range 7 {
		b.Query(`INSERT INTO items (p, c, v) VALUES (?, ?, ?)`, "a", i, fmt.Sprint("v", i))
	}
	if err := b.Exec(); err != nil {
		t.Fatal(err)
	}
	var got []int
	iter := sess.Query(`SELECT c FROM items WHERE p = ?`, "a").PageSize(3).Iter()
	var c int
	for iter.Scan(&c) {
		got = append(got, c)
	}
	if err := iter.Close(); err != nil || fmt.Sprint(got) != "[0 1 2 3 4 5 6]" {
		t.Fatalf("paged %v %v", got, err)
	}
	// One page at a time, resuming from the paging state.
	it := sess.Query(`SELECT c FROM items WHERE p = ? AND c >= ?`, "a", 2).PageSize(2).Iter()
	state := it.PageState()
	_ = it.Close()
	it = sess.Query(`SELECT c FROM items WHERE p = ? AND c >= ?`, "a", 2).PageSize(2).PageState(state).Iter()
	got = nil
	for it.Scan(&c) {
		got = append(got, c)
		if len(got) == 2 {
			break
		}
	}
	if fmt.Sprint(got) != "[4 5]" {
		t.Fatalf("second page %v", got)
	}
	_ = it.Close()

	rejected := []string{
		`SELECT * FROM items`,
		`SELECT * FROM items WHERE v = 'x'`,
		`SELECT * FROM items WHERE c = 1`,
		`SELECT * FROM items WHERE p = 'a' ALLOW FILTERING`,
		`SELECT * FROM items WHERE p = 'a' AND v = 'x'`,
	}
	for _, q := range rejected {
		if err := sess.Query(q).Exec(); code(err) != gocql.ErrCodeInvalid {
			t.Errorf("%s: %v, want Invalid", q, err)
		}
	}
	if err := sess.Query(`SELEKT * FROM items`).Exec(); code(err) != gocql.ErrCodeSyntax {
		t.Errorf("unknown statement: %v", err)
	}
}

func TestLightweightTransactions(t *testing.T) {
	_, sess := setup(t)
	m := map[string]any{}
	applied, err := sess.Query(`INSERT INTO names (name, id) VALUES (?, ?) IF NOT EXISTS`, "x", "1").MapScanCAS(m)
	if err != nil || !applied {
		t.Fatalf("first claim: %v %v", applied, err)
	}
	m = map[string]any{}
	applied, err = sess.Query(`INSERT INTO names (name, id) VALUES (?, ?) IF NOT EXISTS`, "x", "2").MapScanCAS(m)
	if err != nil || applied || m["id"] != "1" {
		t.Fatalf("second claim: %v %v %v", applied, m, err)
	}
	applied, err = sess.Query(`DELETE FROM names WHERE name = ? IF id = ?`, "x", "2").MapScanCAS(map[string]any{})
	if err != nil || applied {
		t.Fatalf("delete by wrong owner: %v %v", applied, err)
	}
	applied, err = sess.Query(`DELETE FROM names WHERE name = ? IF id = ?`, "x", "1").MapScanCAS(map[string]any{})
	if err != nil || !applied {
		t.Fatalf("delete by owner: %v %v", applied, err)
	}
	var id string
	if err := sess.Query(`SELECT id FROM names WHERE name = ?`, "x").Scan(&id); !errors.Is(err, gocql.ErrNotFound) {
		t.Fatalf("after delete: %q %v", id, err)
	}
}

func TestAuthAndOutage(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.RequireAuth("weir", "secret")
	c := gocql.NewCluster(s.Host())
	c.Port, c.ProtoVersion, c.Timeout, c.ReconnectInterval = s.Port(), 4, 2*time.Second, 100*time.Millisecond
	c.Authenticator = gocql.PasswordAuthenticator{Username: "weir", Password: "wrong"}
	if sess, err := c.CreateSession(); err == nil {
		sess.Close()
		t.Fatal("wrong password accepted")
	}
	c.Authenticator = gocql.PasswordAuthenticator{Username: "weir", Password: "secret"}
	sess, err := c.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var v string
	if err := sess.Query(`SELECT release_version FROM system.local WHERE key = 'local'`).Scan(&v); err != nil || !strings.HasPrefix(v, "4.") {
		t.Fatalf("system.local: %q %v", v, err)
	}
	s.Stop()
	if err := sess.Query(`SELECT release_version FROM system.local WHERE key = 'local'`).Exec(); err == nil {
		t.Fatal("query answered while stopped")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for sess.Query(`SELECT release_version FROM system.local WHERE key = 'local'`).Exec() != nil {
		if time.Now().After(deadline) {
			t.Fatal("no reconnection after restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
