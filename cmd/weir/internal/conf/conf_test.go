package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "weir.conf")
	content := "# a comment\nprefix = " + dir + "/p  # trailing comment\nproxy_listen = 127.0.0.1:9000\nadmin_listen=127.0.0.1:9001\n\nlog_level = debug\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name            string
		env             []string
		proxy, admin    string
		level, database string
	}{
		{"file only", nil, "127.0.0.1:9000", "127.0.0.1:9001", "debug", "embedded"},
		{"KONG_ beats file", []string{"KONG_PROXY_LISTEN=127.0.0.1:7000"}, "127.0.0.1:7000", "127.0.0.1:9001", "debug", "embedded"},
		{"WEIR_ beats KONG_", []string{"WEIR_PROXY_LISTEN=127.0.0.1:6000", "KONG_PROXY_LISTEN=127.0.0.1:7000"}, "127.0.0.1:6000", "127.0.0.1:9001", "debug", "embedded"},
		{"admin and level from env", []string{"WEIR_ADMIN_LISTEN=127.0.0.1:5001", "KONG_LOG_LEVEL=warn"}, "127.0.0.1:9000", "127.0.0.1:5001", "warn", "embedded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(file, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.ProxyListen[0].Addr != tt.proxy || c.AdminListen[0].Addr != tt.admin || c.LogLevel != tt.level || c.Database != tt.database {
				t.Fatalf("got proxy=%v admin=%v level=%s db=%s", c.ProxyListen, c.AdminListen, c.LogLevel, c.Database)
			}
			if c.Prefix != filepath.Join(dir, "p") {
				t.Fatalf("prefix = %q", c.Prefix)
			}
		})
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load("", []string{"HOME=/nowhere", "WEIR_PREFIX=/tmp/w"})
	if err != nil {
		t.Fatal(err)
	}
	if c.ProxyListen[0].Addr != "0.0.0.0:8000" || c.AdminListen[0].Addr != "127.0.0.1:8001" || c.Database != "embedded" || c.Prefix != "/tmp/w" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"unknown database", []string{"WEIR_DATABASE=mysql"}, "database"},
		{"cassandra consistency", []string{"KONG_DATABASE=cassandra", "KONG_CASSANDRA_CONSISTENCY=SOME"}, "cassandra_consistency"},
		{"cassandra dc-aware policy without a datacenter", []string{"KONG_DATABASE=cassandra", "KONG_CASSANDRA_LB_POLICY=DCAwareRoundRobin"}, "cassandra_local_datacenter"},
		{"cassandra data centers", []string{"KONG_DATABASE=cassandra", "KONG_CASSANDRA_REPL_STRATEGY=NetworkTopologyStrategy", "KONG_CASSANDRA_DATA_CENTERS=dc1"}, "cassandra_data_centers"},
		{"database unknown", []string{"KONG_DATABASE=mysql"}, "not one of"},
		{"admin body size", []string{"WEIR_ADMIN_MAX_BODY_SIZE=lots"}, "admin_max_body_size"},
		{"module larger than body", []string{"WEIR_ADMIN_MAX_BODY_SIZE=1m", "WEIR_WASM_MAX_MODULE_SIZE=2m"}, "larger than admin_max_body_size"},
		{"proxy_protocol listener", []string{"WEIR_PROXY_LISTEN=0.0.0.0:8443 proxy_protocol"}, "proxy_protocol flag"},
		{"no port", []string{"WEIR_ADMIN_LISTEN=localhost"}, "host:port"},
		{"bad level", []string{"WEIR_LOG_LEVEL=loud"}, "log_level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("", tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParseListen(t *testing.T) {
	got, err := ParseListen("0.0.0.0:8000 reuseport backlog=16384, 127.0.0.1:8100")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Addr != "0.0.0.0:8000" || got[1].Addr != "127.0.0.1:8100" {
		t.Fatalf("got %+v", got)
	}
	if got, err := ParseListen("off"); err != nil || got != nil {
		t.Fatalf("off: %v %v", got, err)
	}
}

func TestUnknownKongProperty(t *testing.T) {
	c, err := Load("", []string{"KONG_CASSANDRA_SCHEMA_CONSENSUS_TIMEOUT=10000", "KONG_VERSION=3.9", "WEIR_PREFIX=/tmp/x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Unknown) != 1 || c.Unknown[0] != "cassandra_schema_consensus_timeout" {
		t.Fatalf("unknown = %v", c.Unknown)
	}
}
