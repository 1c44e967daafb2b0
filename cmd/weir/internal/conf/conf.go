// Package conf loads weir's configuration with Kong's property names: defaults, then a
// kong.conf-style file (`name = value` lines, # comments), then KONG_<NAME> and finally
// WEIR_<NAME> environment variables.
package conf

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Config is the loaded configuration.
type Config struct {
	// Prefix is the working directory: store file, logs, pid file, wasm cache.
	Prefix      string
	ProxyListen []Listen
	AdminListen []Listen
	// StreamListen are the TCP proxy's listeners (stream_listen, off by default); the
	// ssl flag terminates TLS.
	StreamListen []Listen
	// StatusListen are the Status API's listeners (status_listen, off by default):
	// /status, /status/ready and /metrics without the Admin API, for probes and
	// scrapers. ssl serves the Admin API's certificate.
	StatusListen []Listen
	// Database is the store backend: embedded, postgres, cassandra or off.
	Database string
	// Postgres is the database when Database is postgres; PostgresRO, when pg_ro_host
	// is set, is a read-only replica the proxy loads its configuration from.
	Postgres   Postgres
	PostgresRO *Postgres
	// Cassandra is the cluster when Database is cassandra.
	Cassandra Cassandra
	// DBUpdateFrequency is how often a node polls for other nodes' changes when no
	// notification arrives (db_update_frequency).
	DBUpdateFrequency time.Duration
	// LogLevel is one of Kong's levels: debug, info, notice, warn, error, crit, alert, emerg.
	LogLevel string
	// ErrorLog is where log lines go besides stderr: a path (relative to Prefix), or "off".
	ErrorLog string
	// DeclarativeConfig is the file a DB-less node (Database off) loads at start; ""
	// starts it empty, to be configured with POST /config.
	DeclarativeConfig string
	// Properties holds every property as finally set, for the Admin API's node info.
	Properties map[string]string
	// Unknown lists properties that were set but mean nothing to weir.
	Unknown []string
	// Wasm holds the plugin sandbox limits (wasm_memory_limit, wasm_callback_timeout).
	Wasm Wasm
	// Admin holds the Admin API's token and size limits.
	Admin Admin
	// Proxy holds the proxy's header and access log properties.
	Proxy Proxy
	// ActiveHealthchecks is false when this node sends no active health probes
	// (active_healthchecks = off), leaving them to other nodes on the same database.
	ActiveHealthchecks bool
}

// Listen is one listener entry: an address and its flags.
type Listen struct {
	Addr  string
	Flags []string
}

// ErrInvalid marks a property whose value weir cannot use.
var ErrInvalid = errors.New("invalid configuration")

// defaults are the properties weir knows, with their default values.
func defaults() map[string]string {
	props := map[string]string{
		"prefix":          defaultPrefix(),
		"proxy_listen":    "0.0.0.0:8000",
		"admin_listen":    "127.0.0.1:8001, 127.0.0.1:8444 ssl",
		"stream_listen":   "off",
		"status_listen":   "off",
		"database":        "embedded",
		"log_level":       "notice",
		"proxy_error_log": "logs/error.log",
		// declarative_config is the file DB-less mode (database = off) starts with.
		"declarative_config": "",

		"admin_token":          "",
		"admin_ssl_cert":       "",
		"admin_ssl_cert_key":   "",
		"admin_ssl_client_ca":  "",
		"admin_max_body_size":  defaultAdminMaxBodySize,
		"wasm_max_module_size": defaultWasmMaxModuleSize,

		"wasm_memory_limit":     defaultWasmMemoryLimit,
		"wasm_callback_timeout": defaultWasmCallbackTimeout,
		"wasm_crash_backoff":    defaultWasmCrashBackoff,

		"active_healthchecks": "on",
	}
	for k, v := range proxyDefaults {
		props[k] = v
	}
	return props
}

func defaultPrefix() string {
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".weir")
	}
	return "/usr/local/weir"
}

// Load reads the configuration. file may be "" (no file). env is os.Environ()'s form.
func Load(file string, env []string) (*Config, error) {
	props := withDatabaseDefaults(defaults())
	set := map[string]bool{}
	if file != "" {
		fileProps, err := readFile(file)
		if err != nil {
			return nil, err
		}
		for k, v := range fileProps {
			props[k], set[k] = v, true
		}
	}
	for _, prefix := range []string{"KONG_", "WEIR_"} {
		for _, kv := range env {
			name, value, ok := strings.Cut(kv, "=")
			if !ok || !strings.HasPrefix(name, prefix) {
				continue
			}
			key := strings.ToLower(strings.TrimPrefix(name, prefix))
			if _, known := props[key]; known || prefix == "KONG_" && isKongProperty(key) {
				props[key], set[key] = value, true
			}
		}
	}
	return build(props, set)
}

// isKongProperty is true for names a Kong user may carry over in KONG_ variables, which
// weir reports as unknown instead of silently dropping. Other KONG_ variables (the
// image's own, say) are not properties.
func isKongProperty(key string) bool {
	for _, p := range []string{"pg_", "cassandra_", "nginx_", "ssl_", "admin_", "proxy_", "status_", "db_", "lua_", "dns_", "plugins", "router_", "headers", "trusted_ips", "real_ip", "mem_cache"} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func build(props map[string]string, set map[string]bool) (*Config, error) {
	c := &Config{
		Prefix:   props["prefix"],
		Database: strings.ToLower(strings.TrimSpace(props["database"])),
		LogLevel: strings.ToLower(strings.TrimSpace(props["log_level"])),
		ErrorLog: strings.TrimSpace(props["proxy_error_log"]),

		DeclarativeConfig: strings.TrimSpace(props["declarative_config"]),
		Properties:        props,
	}
	known := withDatabaseDefaults(defaults())
	for k := range set {
		if _, ok := known[k]; !ok {
			c.Unknown = append(c.Unknown, k)
		}
	}
	sort.Strings(c.Unknown)
	var errs []error
	var err error
	if c.Prefix, err = filepath.Abs(c.Prefix); err != nil {
		errs = append(errs, fmt.Errorf("prefix: %w", err))
	}
	if c.ProxyListen, err = parseListen(props["proxy_listen"], proxyFlags); err != nil {
		errs = append(errs, fmt.Errorf("proxy_listen: %w", err))
	}
	if c.AdminListen, err = parseListen(props["admin_listen"], adminFlags); err != nil {
		errs = append(errs, fmt.Errorf("admin_listen: %w", err))
	}
	if c.StreamListen, err = parseListen(props["stream_listen"], streamFlags); err != nil {
		errs = append(errs, fmt.Errorf("stream_listen: %w", err))
	}
	if c.StatusListen, err = parseListen(props["status_listen"], adminFlags); err != nil {
		errs = append(errs, fmt.Errorf("status_listen: %w", err))
	}
	switch c.Database {
	case "embedded", "postgres", "cassandra", "off":
	default:
		errs = append(errs, fmt.Errorf("database: %q is not one of embedded, postgres, cassandra, off", c.Database))
	}
	var wasmErrs, adminErrs []error
	c.Wasm, wasmErrs = parseWasm(props)
	errs = append(errs, wasmErrs...)
	c.Admin, adminErrs = parseAdmin(props)
	errs = append(errs, adminErrs...)
	var proxyErrs []error
	c.Proxy, proxyErrs = parseProxy(props)
	errs = append(errs, proxyErrs...)
	errs = append(errs, c.buildDatabase(props)...)
	if c.ActiveHealthchecks, err = parseBool(strings.TrimSpace(props["active_healthchecks"])); err != nil {
		errs = append(errs, fmt.Errorf("active_healthchecks: %w", err))
	}
	if _, ok := logLevels[c.LogLevel]; !ok {
		errs = append(errs, fmt.Errorf("log_level: %q is not one of debug, info, notice, warn, error, crit, alert, emerg", c.LogLevel))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return c, nil
}

// readFile parses kong.conf syntax: `name = value`, # starts a comment (write \# for a
// literal one), blank lines are skipped.
func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open configuration file: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := stripComment(sc.Text())
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%w: %s:%d: expected `name = value`", ErrInvalid, path, n)
		}
		out[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

func stripComment(line string) string {
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '#':
			b.WriteByte('#')
			i++
		case line[i] == '#':
			return b.String()
		default:
			b.WriteByte(line[i])
		}
	}
	return b.String()
}

// ParseListen parses a Kong listen property: "off", or comma-separated entries of an
// address followed by flags. TLS and HTTP/2 listeners are refused with a clear error
// rather than served as something else; the socket tuning flags Kong's defaults carry
// (reuseport, backlog=N, deferred, bind) are accepted.
func ParseListen(v string) ([]Listen, error) { return parseListen(v, nil) }

// streamFlags are the flags a stream_listen entry may carry beyond the socket ones:
// TLS termination (see host.Gateway.ServeStream).
var streamFlags = map[string]bool{"ssl": true}

// adminFlags are the flags an admin_listen entry may carry beyond the socket ones:
// the Admin API serves TLS itself (see cmd/weir/admintls.go).
var adminFlags = map[string]bool{"ssl": true}

func parseListen(v string, extra map[string]bool) ([]Listen, error) {
	v = strings.TrimSpace(v)
	if v == "off" || v == "" {
		return nil, nil
	}
	var out []Listen
	for _, entry := range strings.Split(v, ",") {
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			return nil, fmt.Errorf("empty entry in %q", v)
		}
		addr := fields[0]
		if !strings.Contains(addr, ":") {
			return nil, fmt.Errorf("%q: expected host:port", addr)
		}
		for _, f := range fields[1:] {
			name, _, _ := strings.Cut(f, "=")
			switch {
			case extra[name]:
			case name == "reuseport", name == "backlog", name == "deferred", name == "bind":
			case name == "ssl", name == "http2", name == "proxy_protocol":
				return nil, fmt.Errorf("%q: the %s flag is not available in this version of weir", entry, name)
			default:
				return nil, fmt.Errorf("%q: unknown flag %q", entry, f)
			}
		}
		out = append(out, Listen{Addr: addr, Flags: fields[1:]})
	}
	return out, nil
}
