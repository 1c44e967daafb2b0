package cassandra_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/cassandra"
	"github.com/weir-gateway/weir/store/cassandra/cqltest"
	"github.com/weir-gateway/weir/store/storetest"
)

var ctx = context.Background()

// A cluster is where the tests run: the in-memory test double always, and a real
// Cassandra as well when WEIR_TEST_CASSANDRA_HOSTS lists contact points
// (host[:port],...).
type cluster struct {
	name  string
	hosts []string
	port  int
	// double is set for the test double, which tests of outages can stop.
	double *cqltest.Server
}

var (
	doubleOnce sync.Once
	shared     *cqltest.Server
	sharedErr  error
)

func clusters(t *testing.T) []cluster {
	doubleOnce.Do(func() { shared, sharedErr = cqltest.Start() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	out := []cluster{{name: "double", hosts: []string{shared.Host()}, port: shared.Port(), double: shared}}
	if env := os.Getenv("WEIR_TEST_CASSANDRA_HOSTS"); env != "" {
		real := cluster{name: "cassandra", port: 9042}
		for _, h := range strings.Split(env, ",") {
			host, port, ok := strings.Cut(strings.TrimSpace(h), ":")
			if ok {
				fmt.Sscan(port, &real.port)
			}
			real.hosts = append(real.hosts, host)
		}
		out = append(out, real)
	}
	return out
}

// config names a fresh keyspace on c.
func config(c cluster) cassandra.Config {
	return cassandra.Config{ContactPoints: c.hosts, Port: c.port, Timeout: 10 * time.Second,
		Keyspace: "weir_test_" + strings.ReplaceAll(uuid.NewString()[:13], "-", "_"), UpdateFrequency: 50 * time.Millisecond}
}

// bootstrapped creates cfg's keyspace and drops it when the test ends.
func bootstrapped(t *testing.T, cfg cassandra.Config) {
	t.Helper()
	m, err := cassandra.NewMigrator(ctx, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Bootstrap(ctx); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = m.Reset(ctx)
		m.Close()
	})
}

func open(t *testing.T, cfg cassandra.Config) *cassandra.Store {
	t.Helper()
	s, err := cassandra.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	for _, c := range clusters(t) {
		t.Run(c.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				cfg := config(c)
				bootstrapped(t, cfg)
				return open(t, cfg)
			})
		})
	}
}
