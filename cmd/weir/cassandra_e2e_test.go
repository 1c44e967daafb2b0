package main_test

// The Cassandra end-to-end tests run real weir processes against the CQL test double
// (store/cassandra/cqltest), which the weir binary reaches over TCP like a Cassandra
// node: migrations through the CLI, two nodes where one is configured and the other
// proxies through cluster events, and an outage under traffic.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store/cassandra/cqltest"
)

// cassandraDouble starts a test double and returns it with the environment that
// points weir at a fresh keyspace on it, with Kong's variable names.
func cassandraDouble(t *testing.T) (*cqltest.Server, []string) {
	t.Helper()
	srv, err := cqltest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, []string{"KONG_DATABASE=cassandra", "KONG_CASSANDRA_CONTACT_POINTS=" + srv.Host(),
		"KONG_CASSANDRA_PORT=" + strconv.Itoa(srv.Port()), "WEIR_CASSANDRA_KEYSPACE=weir_e2e",
		"KONG_CASSANDRA_TIMEOUT=2000", "KONG_DB_UPDATE_FREQUENCY=0.2"}
}

func TestCassandraMigrationsCLI(t *testing.T) {
	bin := buildWeir(t)
	_, env := cassandraDouble(t)

	migrationsLifecycle(t, bin, env, "Executed migrations:\n  000_base\n  001_wasm_binaries\n  002_cluster_events")
	// The keyspace's replication comes from the cassandra_repl_* properties.
	nts := append(env, "KONG_CASSANDRA_REPL_STRATEGY=NetworkTopologyStrategy", "KONG_CASSANDRA_DATA_CENTERS=datacenter1:3")
	if out, code := weirCmd(t, bin, nts, "migrations", "bootstrap"); code != 0 {
		t.Fatalf("bootstrap with NetworkTopologyStrategy: exit %d\n%s", code, out)
	}
}

// TestCassandraTwoNodes: what node A writes is in effect on node B through
// cluster_events; when Cassandra goes away the proxy keeps serving, the Admin API
// answers 503, and after it comes back the node picks up another node's change.
func TestCassandraTwoNodes(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	srv, env := cassandraDouble(t)
	if out, code := weirCmd(t, bin, env, "migrations", "bootstrap"); code != 0 {
		t.Fatalf("bootstrap: %s", out)
	}
	a, b := startPgNode(t, bin, env), startPgNode(t, bin, env)
	adminA, proxyB := "http://"+a.admin, "http://"+b.proxy

	info := do(t, "GET", adminA+"/", nil, nil).json(t)
	if cfg, _ := info["configuration"].(map[string]any); cfg["database"] != "cassandra" {
		t.Fatalf("configuration: database=%v", cfg["database"])
	}
	expectProxy := expectOnNode(t, "node B", proxyB, 3*time.Second)
	configureKeyAuthExample(t, adminA, echoAddr, expectProxy)

	// A module binary larger than one chunk is stored in pieces and reassembled.
	wasm := filepath.Join(repoRoot(t), "sdk/examples/add_header/add_header.wasm")
	if fi, err := os.Stat(wasm); err != nil || fi.Size() <= 256<<10 {
		t.Fatalf("example module (%v) must be larger than one 256 KiB chunk", err)
	}
	expectStatus(t, "upload module", uploadModule(t, adminA, "add-header", wasm), 201)
	expectStatus(t, "enable module", postJSON(t, adminA+"/routes/r1/plugins",
		`{"name":"add-header","config":{"header":"x-added","value":"from-a"}}`), 201)
	eventually(t, 5*time.Second, "uploaded plugin on node B", func() error {
		r := do(t, "GET", proxyB+"/test", nil, map[string]string{"apikey": "secret"})
		if r.header.Get("X-Added") != "from-a" {
			return errors.New("no x-added header yet")
		}
		return nil
	})

	// Violations answer Kong's errors and write nothing, on either node.
	expectStatus(t, "duplicate name", form(t, adminA+"/services", "name=example", "url=http://127.0.0.1:1/"), 409)
	// the Cassandra store keeps no shared counters: rate-limiting's cluster policy is refused
	cluster := postJSON(t, adminA+"/routes/r1/plugins", `{"name":"rate-limiting","config":{"minute":5,"policy":"cluster"}}`)
	expectStatus(t, "rate-limiting cluster policy", cluster, 400)
	if !strings.Contains(string(cluster.body), `"policy":"expected one of: local, redis"`) {
		t.Fatalf("cluster policy refused without saying why: %s", cluster.body)
	}
	expectStatus(t, "route of a missing service", postJSON(t, adminA+"/routes",
		`{"name":"orphan","paths":["/o"],"service":{"id":"3f1a4a4c-2b5e-4c1e-9d1e-1a2b3c4d5e6f"}}`), 400)
	expectStatus(t, "nothing written", do(t, "GET", "http://"+b.admin+"/routes/orphan", nil, nil), 404)
	expectStatus(t, "freed name reusable", postJSON(t, adminA+"/routes",
		`{"name":"orphan","paths":["/o"],"service":{"id":"`+serviceID(t, adminA, "example")+`"}}`), 201)
	// Paging through the Admin API with Cassandra's paging state as the offset.
	for i := range 3 {
		expectStatus(t, "consumer", form(t, adminA+"/consumers", "username=c"+strconv.Itoa(i)), 201)
	}
	seen := map[string]bool{}
	next := adminA + "/consumers?size=2"
	for pages := 0; next != ""; pages++ {
		page := do(t, "GET", next, nil, nil).json(t)
		for _, c := range page["data"].([]any) {
			seen[c.(map[string]any)["id"].(string)] = true
		}
		next, _ = page["next"].(string)
		if next != "" {
			next = adminA + next
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 4 {
		t.Fatalf("paged through %d consumers, want 4", len(seen))
	}

	expectStatus(t, "delete route", do(t, "DELETE", adminA+"/routes/r1", nil, nil), 204)
	expectProxy("route deleted", "/test", nil, 404)

	t.Run("outage", func(t *testing.T) { cassandraOutage(t, srv, bin, env, a, b, echoAddr) })
}

func cassandraOutage(t *testing.T, srv *cqltest.Server, bin string, env []string, a, b *node, echoAddr string) {
	adminA, proxyB := "http://"+a.admin, "http://"+b.proxy
	expectStatus(t, "route", form(t, adminA+"/services/example/routes", "paths[]=/live", "name=live"), 201)
	eventually(t, 3*time.Second, "live route on node B", func() error {
		if r := do(t, "GET", proxyB+"/live", nil, map[string]string{"apikey": "secret"}); r.status != 200 {
			return errors.New(strconv.Itoa(r.status))
		}
		return nil
	})
	var sent, failed atomic.Int64
	var lastFailure atomic.Value
	ctx, stopTraffic := context.WithCancel(context.Background())
	trafficDone := make(chan struct{})
	go func() {
		defer close(trafficDone)
		for ctx.Err() == nil {
			r := do(t, "GET", proxyB+"/live", nil, map[string]string{"apikey": "secret"})
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
	srv.Stop()
	expectStatus(t, "write during the outage", form(t, "http://"+b.admin+"/consumers", "username=bob"), 503)
	time.Sleep(time.Second) // traffic keeps flowing on the last snapshot
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "Admin API of both nodes after the outage", func() error {
		for _, n := range []*node{a, b} {
			if r := do(t, "GET", "http://"+n.admin+"/services/example", nil, nil); r.status != 200 {
				return errors.New(string(r.body))
			}
		}
		return nil
	})
	expectStatus(t, "key through node A", form(t, adminA+"/consumers/alice/key-auth", "key=after"), 201)
	eventually(t, 5*time.Second, "change from node A after the outage", func() error {
		if r := do(t, "GET", proxyB+"/live", nil, map[string]string{"apikey": "after"}); r.status != 200 {
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
}
