package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
	"github.com/weir-gateway/weir/store/cassandra"
)

// cassandraConfig maps Kong's cassandra_* properties onto the store's settings.
func cassandraConfig(c *conf.Config, logger *slog.Logger) cassandra.Config {
	p := c.Cassandra
	return cassandra.Config{
		ContactPoints: p.ContactPoints, Port: p.Port, Keyspace: p.Keyspace, Consistency: p.Consistency,
		Timeout: p.Timeout, Username: p.Username, Password: p.Password, SSL: p.SSL, SSLVerify: p.SSLVerify,
		LBPolicy: p.LBPolicy, LocalDatacenter: p.LocalDatacenter, ReplStrategy: p.ReplStrategy,
		ReplFactor: p.ReplFactor, DataCenters: p.DataCenters, UpdateFrequency: c.DBUpdateFrequency, Logger: logger,
	}
}

// cassandraWhere names the keyspace in messages, without credentials.
func cassandraWhere(p conf.Cassandra) string {
	hosts := make([]string, len(p.ContactPoints))
	for i, h := range p.ContactPoints {
		hosts[i] = net.JoinHostPort(h, strconv.Itoa(p.Port))
	}
	return strings.Join(hosts, ",") + "/" + p.Keyspace
}

// cassandraMigrations runs `weir migrations` on a Cassandra keyspace. Bootstrap
// creates the keyspace with the cassandra_repl_* replication; every schema change waits
// for the cluster to agree on the schema. The state is the store's MigrationState, so
// `list` prints the same for both.
func cassandraMigrations(ctx context.Context, c *conf.Config, cmd string, yes bool, lockTimeout time.Duration, in io.Reader, out io.Writer) error {
	where := cassandraWhere(c.Cassandra)
	m, err := cassandra.NewMigrator(ctx, cassandraConfig(c, slog.New(slog.DiscardHandler)), lockTimeout)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	defer m.Close()
	return migrate(ctx, m, m.State, where, cmd, yes, in, out)
}
