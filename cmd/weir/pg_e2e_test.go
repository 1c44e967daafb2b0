package main_test

// The PostgreSQL end-to-end tests run real weir processes on one database: migrations
// through the CLI, two nodes where one is configured and the other proxies, and a
// database outage under traffic.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weir-gateway/weir/store/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// pgEnv is the environment that points weir at the database in dsn, with Kong's
// variable names.
func pgEnv(t *testing.T, dsn string) []string {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return []string{"KONG_DATABASE=postgres", "KONG_PG_HOST=" + cfg.Host, "KONG_PG_PORT=" + strconv.Itoa(int(cfg.Port)),
		"KONG_PG_USER=" + cfg.User, "WEIR_PG_DATABASE=" + cfg.Database, "WEIR_PG_PASSWORD=not-shown"}
}

// weirCmd runs a weir command to completion and returns its output and exit status.
func weirCmd(t *testing.T, bin string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "WEIR_PREFIX="+t.TempDir()), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatalf("weir %v: %v", args, err)
	}
	return string(out), 0
}

func startPgNode(t *testing.T, bin string, env []string) *node {
	t.Helper()
	n := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t), extraEnv: env}
	n.start(t)
	return n
}

// eventually retries check until it passes or the time is up, and returns how long
// it took.
func eventually(t *testing.T, within time.Duration, what string, check func() error) time.Duration {
	t.Helper()
	start := time.Now()
	var err error
	for time.Since(start) < within {
		if err = check(); err == nil {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v: %v", what, within, err)
	return 0
}

func TestMigrationsCLI(t *testing.T) {
	bin := buildWeir(t)
	env := pgEnv(t, pgtest.Database(t))

	migrationsLifecycle(t, bin, env, "Executed migrations:\n  000_base")
}

// TestTwoNodesOneDatabase: everything configured through node A is in effect on node B
// within a second, through the database alone (an uploaded module once node B has
// compiled it).
func TestTwoNodesOneDatabase(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	env := pgEnv(t, pgtest.Database(t))
	if out, code := weirCmd(t, bin, env, "migrations", "bootstrap"); code != 0 {
		t.Fatalf("bootstrap: %s", out)
	}
	a, b := startPgNode(t, bin, env), startPgNode(t, bin, env)
	adminA, proxyB := "http://"+a.admin, "http://"+b.proxy

	info := do(t, "GET", adminA+"/", nil, nil).json(t)
	if cfg, _ := info["configuration"].(map[string]any); cfg["database"] != "postgres" || cfg["pg_password"] != "******" {
		t.Fatalf("configuration: database=%v pg_password=%v", cfg["database"], cfg["pg_password"])
	}
	expectProxy := expectOnNode(t, "node B", proxyB, time.Second)
	configureKeyAuthExample(t, adminA, echoAddr, expectProxy)

	wasm := filepath.Join(repoRoot(t), "sdk/examples/add_header/add_header.wasm")
	expectStatus(t, "upload module", uploadModule(t, adminA, "add-header", wasm), 201)
	expectStatus(t, "enable module", postJSON(t, adminA+"/routes/r1/plugins",
		`{"name":"add-header","config":{"header":"x-added","value":"from-a"}}`), 201)
	// node B compiles the 3.4 MB module itself before the plugin takes effect there:
	// seconds on a busy two-core machine, where the changes above take milliseconds
	took := eventually(t, 10*time.Second, "uploaded plugin on node B", func() error {
		r := do(t, "GET", proxyB+"/test", nil, map[string]string{"apikey": "secret"})
		if r.header.Get("X-Added") != "from-a" {
			return errors.New("no x-added header yet")
		}
		return nil
	})
	t.Logf("uploaded plugin: in effect on node B after %v", took)

	// Violations answer Kong's errors and write nothing, on either node.
	expectStatus(t, "duplicate name", form(t, adminA+"/services", "name=example", "url=http://127.0.0.1:1/"), 409)
	expectStatus(t, "route of a missing service", postJSON(t, adminA+"/routes",
		`{"name":"orphan","paths":["/o"],"service":{"id":"3f1a4a4c-2b5e-4c1e-9d1e-1a2b3c4d5e6f"}}`), 400)
	expectStatus(t, "nothing written", do(t, "GET", "http://"+b.admin+"/routes/orphan", nil, nil), 404)

	expectStatus(t, "delete route", do(t, "DELETE", adminA+"/routes/r1", nil, nil), 204)
	expectProxy("route deleted", "/test", nil, 404)
}

// TestDatabaseOutage stops PostgreSQL under traffic: no proxied request may fail, the
// Admin API answers 503 and /status says the database is unreachable; when it comes
// back the node reconnects and picks up a change made meanwhile by another writer.
func TestDatabaseOutage(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	cluster, err := pgtest.StartCluster()
	if err != nil {
		pgtest.Unavailable(t, err)
	}
	t.Cleanup(func() { _ = cluster.Stop(); cluster.Remove() })
	dsn := pgtest.DatabaseOn(t, cluster.DSN("postgres"))
	env := pgEnv(t, dsn)
	if out, code := weirCmd(t, bin, env, "migrations", "bootstrap"); code != 0 {
		t.Fatalf("bootstrap: %s", out)
	}
	n := startPgNode(t, bin, env)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url=http://"+echoAddr+"/"), 201)
	expectStatus(t, "route", form(t, admin+"/services/s/routes", "paths[]=/live", "name=live"), 201)
	expectStatus(t, "key-auth", form(t, admin+"/services/s/plugins", "name=key-auth"), 201)
	expectStatus(t, "consumer", form(t, admin+"/consumers", "username=alice"), 201)
	expectStatus(t, "key", form(t, admin+"/consumers/alice/key-auth", "key=k"), 201)

	var sent, failed atomic.Int64
	var lastFailure atomic.Value
	ctx, stopTraffic := context.WithCancel(context.Background())
	trafficDone := make(chan struct{})
	go func() {
		defer close(trafficDone)
		for ctx.Err() == nil {
			r := do(t, "GET", proxy+"/live", nil, map[string]string{"apikey": "k"})
			sent.Add(1)
			if r.status != 200 {
				failed.Add(1)
				lastFailure.Store(strconv.Itoa(r.status) + " " + string(r.body))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	defer func() { stopTraffic(); <-trafficDone }()

	time.Sleep(200 * time.Millisecond)
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	r := do(t, "GET", admin+"/services", nil, nil)
	expectStatus(t, "Admin API during the outage", r, 503)
	if msg, _ := r.json(t)["message"].(string); !strings.Contains(msg, "database is unreachable") {
		t.Fatalf("503 body: %s", r.body)
	}
	expectStatus(t, "write during the outage", form(t, admin+"/consumers", "username=bob"), 503)
	st := do(t, "GET", admin+"/status", nil, nil).json(t)
	if db, _ := st["database"].(map[string]any); db["reachable"] != false {
		t.Fatalf("/status during the outage: %v", st)
	}
	time.Sleep(time.Second) // traffic keeps flowing on the last snapshot

	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "Admin API after the outage", func() error {
		if r := do(t, "GET", admin+"/services/s", nil, nil); r.status != 200 {
			return errors.New(string(r.body))
		}
		return nil
	})
	// Another node adds a key; this node must learn of it by itself.
	otherNode := startPgNode(t, bin, env)
	expectStatus(t, "key through another node", form(t, "http://"+otherNode.admin+"/consumers/alice/key-auth", "key=after"), 201)
	eventually(t, 2*time.Second, "change from another node after the outage", func() error {
		if r := do(t, "GET", proxy+"/live", nil, map[string]string{"apikey": "after"}); r.status != 200 {
			return errors.New(strconv.Itoa(r.status))
		}
		return nil
	})
	stopTraffic()
	<-trafficDone
	if failed.Load() > 0 {
		t.Fatalf("%d of %d proxied requests failed during the outage; last: %v", failed.Load(), sent.Load(), lastFailure.Load())
	}
	t.Logf("%d proxied requests, none failed", sent.Load())
	if st := do(t, "GET", admin+"/status", nil, nil).json(t); st["database"].(map[string]any)["reachable"] != true {
		t.Fatalf("/status after the outage: %v", st)
	}
	if !strings.Contains(n.logs.String(), "lost the database connection") || !strings.Contains(n.logs.String(), "database connection restored") {
		t.Errorf("the outage and recovery are not in the log:\n%s", n.logs)
	}
}

// TestConfigExportImport moves a configuration from a node's embedded store to
// PostgreSQL with the CLI, and a node on PostgreSQL serves it.
func TestConfigExportImport(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	prefix := t.TempDir()
	src := startNode(t, bin, prefix)
	admin := "http://" + src.admin
	expectStatus(t, "service", form(t, admin+"/services", "name=s", "url=http://"+echoAddr+"/"), 201)
	expectStatus(t, "route", form(t, admin+"/services/s/routes", "paths[]=/moved", "name=moved"), 201)
	src.stop(t)

	file := filepath.Join(t.TempDir(), "export.json")
	export := exec.Command(bin, "config", "db_export", file)
	export.Env = append(os.Environ(), "WEIR_PREFIX="+prefix)
	if out, err := export.CombinedOutput(); err != nil || !strings.Contains(string(out), "Exported 2 entities") {
		t.Fatalf("db_export: %v\n%s", err, out)
	}
	env := pgEnv(t, pgtest.Database(t))
	if out, code := weirCmd(t, bin, env, "migrations", "bootstrap"); code != 0 {
		t.Fatalf("bootstrap: %s", out)
	}
	if out, code := weirCmd(t, bin, env, "config", "db_import", file); code != 0 || !strings.Contains(out, "Imported 2 entities") {
		t.Fatalf("db_import: exit %d\n%s", code, out)
	}
	n := startPgNode(t, bin, env)
	expectStatus(t, "imported route", do(t, "GET", "http://"+n.proxy+"/moved", nil, nil), 200)
}

// migrationsLifecycle walks `weir migrations` on an empty database, as an operator
// would: start refused, list before bootstrap, two concurrent bootstraps, up, finish,
// list (whose output must contain executed), reset, and up after reset.
func migrationsLifecycle(t *testing.T, bin string, env []string, executed string) {
	t.Helper()
	out, code := weirCmd(t, bin, env, "start")
	if code == 0 || !strings.Contains(out, "run 'weir migrations bootstrap'") {
		t.Fatalf("start on an empty database: exit %d\n%s", code, out)
	}
	if out, code := weirCmd(t, bin, env, "migrations", "list"); code != 3 || !strings.Contains(out, "needs bootstrapping") {
		t.Fatalf("list before bootstrap: exit %d\n%s", code, out)
	}
	// Two nodes bootstrapping at once: one migrates, the other finds it done.
	var wg sync.WaitGroup
	outs := make([]string, 2)
	for i := range outs {
		wg.Go(func() {
			var code int
			outs[i], code = weirCmd(t, bin, env, "migrations", "bootstrap")
			if code != 0 {
				t.Errorf("bootstrap exit %d\n%s", code, outs[i])
			}
		})
	}
	wg.Wait()
	joined := strings.Join(outs, "\n")
	if strings.Count(joined, "migrating 000_base") != 1 || !strings.Contains(joined, "Database already bootstrapped") {
		t.Fatalf("concurrent bootstraps:\n%s", joined)
	}
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"migrations", "up"}, "already up-to-date"},
		{[]string{"migrations", "finish"}, "No pending migrations"},
		{[]string{"migrations", "list"}, executed},
		{[]string{"migrations", "reset", "-y"}, "Database reset"},
	} {
		if out, code := weirCmd(t, bin, env, step.args...); code != 0 || !strings.Contains(out, step.want) {
			t.Fatalf("weir %v: exit %d\n%s", step.args, code, out)
		}
	}
	if out, code := weirCmd(t, bin, env, "migrations", "up"); code == 0 || !strings.Contains(out, "run 'weir migrations bootstrap'") {
		t.Fatalf("up after reset: exit %d\n%s", code, out)
	}
}
