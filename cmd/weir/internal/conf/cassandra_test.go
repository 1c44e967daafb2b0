package conf

import (
	"strings"
	"testing"
	"time"
)

func TestCassandraProperties(t *testing.T) {
	c, err := Load("", []string{"HOME=/nowhere", "KONG_DATABASE=cassandra"})
	if err != nil {
		t.Fatal(err)
	}
	d := c.Cassandra
	if strings.Join(d.ContactPoints, ",") != "127.0.0.1" || d.Port != 9042 || d.Keyspace != "weir" || d.Consistency != "ONE" ||
		d.Timeout != 5*time.Second || d.LBPolicy != "RequestRoundRobin" || d.ReplStrategy != "SimpleStrategy" || d.ReplFactor != 1 ||
		strings.Join(d.DataCenters, ",") != "dc1:2,dc2:3" || d.SSL || d.SSLVerify || d.Username != "weir" {
		t.Fatalf("defaults: %+v", d)
	}
	c, err = Load("", []string{"HOME=/nowhere", "KONG_DATABASE=cassandra",
		"KONG_CASSANDRA_CONTACT_POINTS=10.0.0.1, 10.0.0.2", "WEIR_CASSANDRA_PORT=9142", "KONG_CASSANDRA_KEYSPACE=gw",
		"KONG_CASSANDRA_CONSISTENCY=local_quorum", "KONG_CASSANDRA_TIMEOUT=2500", "KONG_CASSANDRA_USERNAME=u",
		"KONG_CASSANDRA_PASSWORD=p", "KONG_CASSANDRA_SSL=on", "KONG_CASSANDRA_SSL_VERIFY=on",
		"KONG_CASSANDRA_LB_POLICY=RequestDCAwareRoundRobin", "KONG_CASSANDRA_LOCAL_DATACENTER=eu",
		"KONG_CASSANDRA_REPL_STRATEGY=NetworkTopologyStrategy", "KONG_CASSANDRA_DATA_CENTERS=eu:3,us:2", "KONG_CASSANDRA_REPL_FACTOR=2"})
	if err != nil {
		t.Fatal(err)
	}
	d = c.Cassandra
	if strings.Join(d.ContactPoints, ",") != "10.0.0.1,10.0.0.2" || d.Port != 9142 || d.Keyspace != "gw" || d.Consistency != "LOCAL_QUORUM" ||
		d.Timeout != 2500*time.Millisecond || d.Username != "u" || d.Password != "p" || !d.SSL || !d.SSLVerify ||
		d.LBPolicy != "RequestDCAwareRoundRobin" || d.LocalDatacenter != "eu" || d.ReplStrategy != "NetworkTopologyStrategy" ||
		strings.Join(d.DataCenters, ",") != "eu:3,us:2" || d.ReplFactor != 2 {
		t.Fatalf("set: %+v", d)
	}
	if c.Redacted()["cassandra_password"] != "******" {
		t.Fatal("cassandra_password not masked")
	}
}
