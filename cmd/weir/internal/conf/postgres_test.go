package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPostgresProperties(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "weir.conf")
	content := "database = postgres\npg_host = db.internal\npg_port = 6432\npg_user = gw\npg_password = s3cret\npg_ssl = on\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		file  string
		env   []string
		check func(t *testing.T, c *Config)
	}{
		{"defaults", "", []string{"WEIR_DATABASE=postgres"}, func(t *testing.T, c *Config) {
			want := Postgres{Host: "127.0.0.1", Port: 5432, User: "weir", Database: "weir", Timeout: 5 * time.Second}
			if c.Postgres != want || c.PostgresRO != nil || c.DBUpdateFrequency != time.Second {
				t.Fatalf("got %+v ro=%v freq=%v", c.Postgres, c.PostgresRO, c.DBUpdateFrequency)
			}
		}},
		{"file", file, nil, func(t *testing.T, c *Config) {
			p := c.Postgres
			if p.Host != "db.internal" || p.Port != 6432 || p.User != "gw" || p.Password != "s3cret" || !p.SSL || p.SSLVerify {
				t.Fatalf("got %+v", p)
			}
		}},
		{"KONG_ and WEIR_ env over the file", file, []string{"KONG_PG_HOST=kong-db", "KONG_PG_DATABASE=kong", "WEIR_PG_DATABASE=gw",
			"KONG_PG_TIMEOUT=250", "WEIR_PG_MAX_CONCURRENT_QUERIES=8", "KONG_PG_SCHEMA=edge", "WEIR_DB_UPDATE_FREQUENCY=0.2"}, func(t *testing.T, c *Config) {
			p := c.Postgres
			if p.Host != "kong-db" || p.Database != "gw" || p.Timeout != 250*time.Millisecond || p.MaxConcurrentQueries != 8 || p.Schema != "edge" {
				t.Fatalf("got %+v", p)
			}
			if c.DBUpdateFrequency != 200*time.Millisecond {
				t.Fatalf("frequency %v", c.DBUpdateFrequency)
			}
		}},
		{"read-only replica inherits", file, []string{"KONG_PG_RO_HOST=replica", "WEIR_PG_RO_USER=reader"}, func(t *testing.T, c *Config) {
			ro := c.PostgresRO
			if ro == nil || ro.Host != "replica" || ro.User != "reader" || ro.Port != 6432 || ro.Password != "s3cret" || !ro.SSL {
				t.Fatalf("got %+v", ro)
			}
		}},
		{"passwords masked for GET /", file, []string{"KONG_PG_RO_PASSWORD=other"}, func(t *testing.T, c *Config) {
			r := c.Redacted()
			if r["pg_password"] != "******" || r["pg_ro_password"] != "******" || r["pg_host"] != "db.internal" {
				t.Fatalf("redacted %v", r)
			}
			if c.Properties["pg_password"] != "s3cret" {
				t.Fatal("Redacted changed the properties")
			}
		}},
		{"not reported unknown", "", []string{"KONG_PG_HOST=db"}, func(t *testing.T, c *Config) {
			if len(c.Unknown) != 0 {
				t.Fatalf("unknown %v", c.Unknown)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.file, append([]string{"WEIR_PREFIX=" + dir}, tt.env...))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestPostgresPropertyErrors(t *testing.T) {
	tests := []struct {
		env  []string
		want string
	}{
		{[]string{"WEIR_PG_PORT=none"}, "pg_port"},
		{[]string{"WEIR_PG_PORT=70000"}, "pg_port"},
		{[]string{"WEIR_PG_TIMEOUT=0"}, "pg_timeout"},
		{[]string{"WEIR_PG_SSL=maybe"}, "pg_ssl"},
		{[]string{"WEIR_PG_MAX_CONCURRENT_QUERIES=-1"}, "pg_max_concurrent_queries"},
		{[]string{"WEIR_PG_RO_HOST=r", "WEIR_PG_RO_PORT=x"}, "pg_ro_port"},
		{[]string{"WEIR_DB_UPDATE_FREQUENCY=0"}, "db_update_frequency"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := Load("", append([]string{"WEIR_DATABASE=postgres", "WEIR_PREFIX=/tmp/w"}, tt.env...))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
