package conf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Postgres holds Kong's pg_* properties: how to reach the PostgreSQL database.
type Postgres struct {
	Host     string
	Port     int
	User     string
	Password string
	Database string
	// Schema is the schema weir's tables live in ("" uses the server's search_path,
	// normally public).
	Schema string
	// SSL asks for TLS; SSLVerify also checks the server's certificate and host name.
	SSL       bool
	SSLVerify bool
	// Timeout bounds connecting and each database operation.
	Timeout time.Duration
	// MaxConcurrentQueries caps open connections; 0 leaves the pool's default.
	MaxConcurrentQueries int
}

// withDatabaseDefaults adds the database properties to d.
func withDatabaseDefaults(d map[string]string) map[string]string {
	for k, v := range pgDefaults() {
		d[k] = v
	}
	for k, v := range cassandraDefaults {
		d[k] = v
	}
	return d
}

// pgDefaults are Kong's defaults for the pg_* properties, except that the user and the
// database are called weir. The read-only replica (pg_ro_*) is off until pg_ro_host is
// set; its other properties default to the pg_* values.
func pgDefaults() map[string]string {
	d := map[string]string{
		"pg_host":                   "127.0.0.1",
		"pg_port":                   "5432",
		"pg_user":                   "weir",
		"pg_password":               "",
		"pg_database":               "weir",
		"pg_schema":                 "",
		"pg_ssl":                    "off",
		"pg_ssl_verify":             "off",
		"pg_timeout":                "5000",
		"pg_max_concurrent_queries": "0",
		// db_update_frequency is how often, in seconds, a node polls the change table
		// when LISTEN/NOTIFY is not delivering; Kong's default is 5, weir's is 1 so a
		// change is in effect on every node within a second.
		"db_update_frequency": "1",
	}
	for _, k := range pgKeys {
		d["pg_ro_"+k] = ""
	}
	return d
}

// pgKeys are the pg_* property suffixes that have a pg_ro_* twin.
var pgKeys = []string{"host", "port", "user", "password", "database", "schema", "ssl", "ssl_verify", "timeout", "max_concurrent_queries"}

// sensitive are the properties GET / shows masked, as Kong does.
var sensitive = map[string]bool{"pg_password": true, "pg_ro_password": true, "admin_token": true, "cassandra_password": true}

// parsePostgres reads the pg_* (prefix "pg_") or pg_ro_* (prefix "pg_ro_") properties.
// For the replica, an unset property falls back to its pg_* value.
func parsePostgres(props map[string]string, prefix string) (Postgres, error) {
	get := func(k string) string {
		v := strings.TrimSpace(props[prefix+k])
		if v == "" && prefix != "pg_" {
			v = strings.TrimSpace(props["pg_"+k])
		}
		return v
	}
	var errs []error
	num := func(k string, min int) int {
		n, err := strconv.Atoi(get(k))
		if err != nil || n < min {
			errs = append(errs, fmt.Errorf("%s%s: %q is not an integer >= %d", prefix, k, get(k), min))
		}
		return n
	}
	flag := func(k string) bool {
		b, err := parseBool(get(k))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s%s: %w", prefix, k, err))
		}
		return b
	}
	p := Postgres{
		Host: get("host"), User: get("user"), Password: get("password"), Database: get("database"),
		Schema: get("schema"), SSL: flag("ssl"), SSLVerify: flag("ssl_verify"),
		Port: num("port", 1), Timeout: time.Duration(num("timeout", 1)) * time.Millisecond,
		MaxConcurrentQueries: num("max_concurrent_queries", 0),
	}
	if p.Port > 65535 {
		errs = append(errs, fmt.Errorf("%sport: %d is not a port", prefix, p.Port))
	}
	return p, errors.Join(errs...)
}

// parseBool accepts Kong's spellings of a boolean property.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "true", "yes", "1":
		return true, nil
	case "off", "false", "no", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not on or off", v)
}

// parseFrequency reads db_update_frequency: seconds, fractions allowed, at least 10 ms.
func parseFrequency(v string) (time.Duration, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0.01 {
		return 0, fmt.Errorf("db_update_frequency: %q is not a number of seconds >= 0.01", v)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// buildDatabase fills the database part of c from props.
func (c *Config) buildDatabase(props map[string]string) []error {
	var errs []error
	var err error
	if c.DBUpdateFrequency, err = parseFrequency(props["db_update_frequency"]); err != nil {
		errs = append(errs, err)
	}
	if c.Database == "cassandra" {
		if c.Cassandra, err = parseCassandra(props); err != nil {
			errs = append(errs, err)
		}
		return errs
	}
	if c.Database != "postgres" {
		return errs
	}
	if c.Postgres, err = parsePostgres(props, "pg_"); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(props["pg_ro_host"]) != "" {
		ro, err := parsePostgres(props, "pg_ro_")
		if err != nil {
			errs = append(errs, err)
		}
		c.PostgresRO = &ro
	}
	return errs
}

// Redacted returns the properties with passwords masked, for GET /.
func (c *Config) Redacted() map[string]string {
	out := make(map[string]string, len(c.Properties))
	for k, v := range c.Properties {
		if sensitive[k] && v != "" {
			v = "******"
		}
		out[k] = v
	}
	return out
}
