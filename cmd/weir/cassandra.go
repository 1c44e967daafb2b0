package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
	"github.com/weir-gateway/weir/store/cassandra"
	"github.com/weir-gateway/weir/store/postgres"
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
// for the cluster to agree on the schema.
func cassandraMigrations(ctx context.Context, c *conf.Config, cmd string, yes bool, lockTimeout time.Duration, in io.Reader, out io.Writer) error {
	where := cassandraWhere(c.Cassandra)
	switch cmd {
	case "bootstrap", "up", "finish", "list", "reset":
	default:
		fmt.Fprint(os.Stderr, migrationsUsage)
		return &exitError{code: 2, msg: fmt.Sprintf("unknown migrations command %q", cmd)}
	}
	m, err := cassandra.NewMigrator(ctx, cassandraConfig(c, slog.New(slog.DiscardHandler)), lockTimeout)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	defer m.Close()
	switch cmd {
	case "bootstrap":
		fmt.Fprintf(out, "Bootstrapping database %s...\n", where)
		ran, err := m.Bootstrap(ctx)
		if err != nil {
			return fmt.Errorf("bootstrap %s: %w", where, err)
		}
		if len(ran) == 0 {
			fmt.Fprintln(out, "Database already bootstrapped")
			return nil
		}
		report(out, ran)
		fmt.Fprintln(out, "Database is up-to-date")
	case "up":
		ran, err := m.Up(ctx)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", where, err)
		}
		if len(ran) == 0 {
			fmt.Fprintln(out, "Database is already up-to-date")
			return nil
		}
		report(out, ran)
		fmt.Fprintln(out, "Database is up-to-date")
	case "finish":
		fmt.Fprintln(out, "No pending migrations to finish")
	case "list":
		st, err := m.State(ctx)
		if err != nil {
			return fmt.Errorf("list migrations on %s: %w", where, err)
		}
		pst := postgres.State(*st)
		return listState(out, &pst)
	case "reset":
		if !yes && !confirm(in, out) {
			return errors.New("reset cancelled")
		}
		if err := m.Reset(ctx); err != nil {
			return fmt.Errorf("reset %s: %w", where, err)
		}
		fmt.Fprintln(out, "Database reset")
	}
	return nil
}
