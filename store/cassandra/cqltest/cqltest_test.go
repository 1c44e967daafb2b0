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

func TestStatements(t *testing.T) {
	_, sess := setup(t)
	for i := range 5 {
		if err := sess.Query(`INSERT INTO items (p, c, v) VALUES (?, ?, ?)`, "b", i, "x").Exec(); err != nil {
			t.Fatal(err)
		}
	}
	count := func(q string, args ...any) int {
		t.Helper()
		rows, err := sess.Query(q, args...).PageSize(2).Iter().SliceMap()
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return len(rows)
	}
	counts := []struct {
		q    string
		args []any
		want int
	}{
		{`SELECT * FROM items WHERE p = ?`, []any{"b"}, 5},
		{`SELECT * FROM items WHERE p = ? LIMIT 3`, []any{"b"}, 3},
		{`SELECT * FROM items WHERE p = ? LIMIT ?`, []any{"b", 4}, 4},
		{`SELECT * FROM items WHERE p = ? AND c > ? AND c <= ?`, []any{"b", 1, 3}, 2},
		{`SELECT * FROM items WHERE p = ? AND c = ?`, []any{"b", 2}, 1},
		{`SELECT * FROM ks.items WHERE p = 'b' AND c < 2`, nil, 2},
		{`SELECT * FROM items WHERE p = ?`, []any{"nobody"}, 0},
		{`SELECT keyspace_name FROM system_schema.keyspaces`, nil, 3},
	}
	for _, tc := range counts {
		if got := count(tc.q, tc.args...); got != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.q, got, tc.want)
		}
	}
	errs := []struct {
		q    string
		code int
	}{
		{`SELECT nope FROM items WHERE p = 'b'`, gocql.ErrCodeInvalid},
		{`SELECT * FROM missing WHERE p = 'b'`, gocql.ErrCodeInvalid},
		{`SELECT * FROM items WHERE p IN ('a', 'b')`, gocql.ErrCodeInvalid},
		{`SELECT * FROM items WHERE p = 'b' AND c = 1 AND c > 0`, gocql.ErrCodeInvalid},
		{`UPDATE items SET p = 'x' WHERE p = 'b' AND c = 1`, gocql.ErrCodeInvalid},
		{`UPDATE items SET v = 'x' WHERE p = 'b'`, gocql.ErrCodeInvalid},
		{`DELETE FROM items WHERE c = 1`, gocql.ErrCodeInvalid},
		{`DELETE FROM items WHERE p = 'b' IF EXISTS`, gocql.ErrCodeInvalid},
		{`INSERT INTO items (p, v) VALUES ('b', 'x')`, gocql.ErrCodeInvalid},
		{`INSERT INTO items (p, c) VALUES ('b')`, gocql.ErrCodeInvalid},
		{`TRUNCATE items`, gocql.ErrCodeSyntax},
		{`SELECT * FROM items WHERE p = 'b' ORDER BY c DESC`, gocql.ErrCodeSyntax},
		{`SELECT count(*) FROM items WHERE p = 'b'`, gocql.ErrCodeSyntax},
		{`CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`, gocql.ErrCodeAlreadyExists},
		{`CREATE KEYSPACE k2 WITH replication = {'class': 'NoStrategy'}`, gocql.ErrCodeConfig},
	}
	for _, tc := range errs {
		if err := sess.Query(tc.q).Exec(); code(err) != tc.code {
			t.Errorf("%s: %v, want code 0x%04x", tc.q, err, tc.code)
		}
	}

	// UPDATE ... IF column = value compares, and answers the current value when it
	// does not apply.
	m := map[string]any{}
	applied, err := sess.Query(`UPDATE items SET v = ? WHERE p = ? AND c = ? IF v = ?`, "y", "b", 1, "nope").MapScanCAS(m)
	if err != nil || applied || m["v"] != "x" {
		t.Fatalf("update with a false condition: %v %v %v", applied, m, err)
	}
	applied, err = sess.Query(`UPDATE items SET v = ? WHERE p = ? AND c = ? IF v = ?`, "y", "b", 1, "x").MapScanCAS(map[string]any{})
	if err != nil || !applied {
		t.Fatalf("update with a true condition: %v %v", applied, err)
	}
	// A whole partition goes with DELETE on its key alone.
	if err := sess.Query(`DELETE FROM items WHERE p = ?`, "b").Exec(); err != nil || count(`SELECT * FROM items WHERE p = ?`, "b") != 0 {
		t.Fatalf("partition delete: %v", err)
	}
	// Rows written with a TTL expire.
	if err := sess.Query(`INSERT INTO items (p, c, v) VALUES (?, ?, ?) USING TTL 1`, "t", 1, "x").Exec(); err != nil {
		t.Fatal(err)
	}
	if count(`SELECT * FROM items WHERE p = ?`, "t") != 1 {
		t.Fatal("row with a TTL missing at once")
	}
	time.Sleep(1100 * time.Millisecond)
	if count(`SELECT * FROM items WHERE p = ?`, "t") != 0 {
		t.Fatal("row outlived its TTL")
	}
}
