package conf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cassandra holds Kong's cassandra_* properties: how to reach the cluster and how
// migrations replicate the keyspace they create.
type Cassandra struct {
	ContactPoints []string
	Port          int
	Keyspace      string
	// Consistency is the consistency level of every read and write (ONE, LOCAL_QUORUM…).
	Consistency string
	Timeout     time.Duration
	Username    string
	Password    string
	SSL         bool
	SSLVerify   bool
	// LBPolicy is RoundRobin, RequestRoundRobin, DCAwareRoundRobin or
	// RequestDCAwareRoundRobin; the DC-aware ones prefer LocalDatacenter.
	LBPolicy        string
	LocalDatacenter string
	// ReplStrategy is SimpleStrategy (with ReplFactor) or NetworkTopologyStrategy
	// (with DataCenters, "dc_name:factor" entries).
	ReplStrategy string
	ReplFactor   int
	DataCenters  []string
}

// cassandraDefaults are Kong's defaults for the cassandra_* properties, except that
// the keyspace and the user are called weir.
var cassandraDefaults = map[string]string{
	"cassandra_contact_points":   "127.0.0.1",
	"cassandra_port":             "9042",
	"cassandra_keyspace":         "weir",
	"cassandra_consistency":      "ONE",
	"cassandra_timeout":          "5000",
	"cassandra_ssl":              "off",
	"cassandra_ssl_verify":       "off",
	"cassandra_username":         "weir",
	"cassandra_password":         "",
	"cassandra_lb_policy":        "RequestRoundRobin",
	"cassandra_local_datacenter": "",
	"cassandra_repl_strategy":    "SimpleStrategy",
	"cassandra_repl_factor":      "1",
	"cassandra_data_centers":     "dc1:2,dc2:3",
}

var consistencies = []string{"ANY", "ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM", "LOCAL_ONE"}

func list(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseCassandra reads the cassandra_* properties.
func parseCassandra(props map[string]string) (Cassandra, error) {
	get := func(k string) string { return strings.TrimSpace(props["cassandra_"+k]) }
	var errs []error
	num := func(k string, min int) int {
		n, err := strconv.Atoi(get(k))
		if err != nil || n < min {
			errs = append(errs, fmt.Errorf("cassandra_%s: %q is not an integer >= %d", k, get(k), min))
		}
		return n
	}
	flag := func(k string) bool {
		b, err := parseBool(get(k))
		if err != nil {
			errs = append(errs, fmt.Errorf("cassandra_%s: %w", k, err))
		}
		return b
	}
	c := Cassandra{
		ContactPoints: list(get("contact_points")), Port: num("port", 1), Keyspace: get("keyspace"),
		Consistency: strings.ToUpper(get("consistency")), Timeout: time.Duration(num("timeout", 1)) * time.Millisecond,
		Username: get("username"), Password: get("password"), SSL: flag("ssl"), SSLVerify: flag("ssl_verify"),
		LBPolicy: get("lb_policy"), LocalDatacenter: get("local_datacenter"), ReplStrategy: get("repl_strategy"),
		ReplFactor: num("repl_factor", 1), DataCenters: list(get("data_centers")),
	}
	if len(c.ContactPoints) == 0 {
		errs = append(errs, errors.New("cassandra_contact_points: at least one contact point is required"))
	}
	if c.Port > 65535 {
		errs = append(errs, fmt.Errorf("cassandra_port: %d is not a port", c.Port))
	}
	if !contains(consistencies, c.Consistency) {
		errs = append(errs, fmt.Errorf("cassandra_consistency: %q is not one of %s", c.Consistency, strings.Join(consistencies, ", ")))
	}
	switch c.LBPolicy {
	case "RoundRobin", "RequestRoundRobin":
	case "DCAwareRoundRobin", "RequestDCAwareRoundRobin":
		if c.LocalDatacenter == "" {
			errs = append(errs, fmt.Errorf("cassandra_local_datacenter must be set when cassandra_lb_policy is %s", c.LBPolicy))
		}
	default:
		errs = append(errs, fmt.Errorf("cassandra_lb_policy: %q is not one of RoundRobin, RequestRoundRobin, DCAwareRoundRobin, RequestDCAwareRoundRobin", c.LBPolicy))
	}
	switch c.ReplStrategy {
	case "SimpleStrategy":
	case "NetworkTopologyStrategy":
		for _, dc := range c.DataCenters {
			name, n, ok := strings.Cut(dc, ":")
			if f, err := strconv.Atoi(n); !ok || err != nil || f < 1 || name == "" {
				errs = append(errs, fmt.Errorf("cassandra_data_centers: %q is not dc_name:replication_factor", dc))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("cassandra_repl_strategy: %q is not SimpleStrategy or NetworkTopologyStrategy", c.ReplStrategy))
	}
	return c, errors.Join(errs...)
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
