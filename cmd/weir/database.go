package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/cassandra"
	"github.com/weir-gateway/weir/store/embedded"
	"github.com/weir-gateway/weir/store/postgres"
)

// openStore opens the store the database property names. The embedded store migrates
// its file on open; PostgreSQL must be migrated with `weir migrations`, because several
// nodes share it and a schema change is an operator's decision.
func openStore(ctx context.Context, c *conf.Config, logger *slog.Logger) (store.Store, error) {
	switch c.Database {
	case "embedded":
		s, err := embedded.Open(filepath.Join(c.Prefix, storeFile))
		if err != nil {
			return nil, fmt.Errorf("open embedded store: %w", err)
		}
		return s, nil
	case "off":
		return openDBLess(ctx, c)
	case "postgres":
		s, err := postgres.Open(ctx, postgresConfig(c, logger))
		if err != nil {
			return nil, fmt.Errorf("open the postgres database at %s: %w", pgWhere(c.Postgres), err)
		}
		return s, nil
	case "cassandra":
		s, err := cassandra.Open(ctx, cassandraConfig(c, logger))
		if err != nil {
			return nil, fmt.Errorf("open the cassandra keyspace %s: %w", cassandraWhere(c.Cassandra), err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("database %q is not available", c.Database)
}

// postgresConfig maps Kong's pg_* properties onto the store's settings.
func postgresConfig(c *conf.Config, logger *slog.Logger) postgres.Config {
	pc := postgres.Config{
		DSN: pgDSN(c.Postgres), Schema: c.Postgres.Schema, Timeout: c.Postgres.Timeout,
		MaxConns: c.Postgres.MaxConcurrentQueries, UpdateFrequency: c.DBUpdateFrequency, Logger: logger,
	}
	if c.PostgresRO != nil {
		pc.ReadOnlyDSN = pgDSN(*c.PostgresRO)
	}
	return pc
}

// pgDSN writes the connection properties as a URL. pg_ssl asks for TLS; pg_ssl_verify
// also checks the certificate and host name against the system's roots.
func pgDSN(p conf.Postgres) string {
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(p.Host, strconv.Itoa(p.Port)), Path: "/" + p.Database, User: url.User(p.User)}
	if p.Password != "" {
		u.User = url.UserPassword(p.User, p.Password)
	}
	mode := "disable"
	switch {
	case p.SSL && p.SSLVerify:
		mode = "verify-full"
	case p.SSL:
		mode = "require"
	}
	u.RawQuery = url.Values{"sslmode": {mode}}.Encode()
	return u.String()
}

// pgWhere names the database in messages, without credentials.
func pgWhere(p conf.Postgres) string {
	return net.JoinHostPort(p.Host, strconv.Itoa(p.Port)) + "/" + p.Database
}
