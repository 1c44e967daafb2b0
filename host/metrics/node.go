package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Node exports Kong's node-level gauges, which do not depend on the prometheus plugin:
// kong_node_info{node_id,version} and kong_datastore_reachable.
type Node struct {
	ID      string
	Version string
	// Ping checks the database at scrape time; nil (no database, as in DB-less mode)
	// leaves kong_datastore_reachable out.
	Ping func(context.Context) error
}

var (
	nodeInfoDesc = prometheus.NewDesc("kong_node_info", "Kong Node metadata information",
		[]string{"node_id", "version"}, nil)
	reachableDesc = prometheus.NewDesc("kong_datastore_reachable",
		"Datastore reachable from Kong, 0 is unreachable", nil, nil)
)

// pingTimeout bounds the database check of one scrape.
const pingTimeout = 2 * time.Second

// Describe implements prometheus.Collector.
func (n *Node) Describe(ch chan<- *prometheus.Desc) {
	ch <- nodeInfoDesc
	ch <- reachableDesc
}

// Collect implements prometheus.Collector.
func (n *Node) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(nodeInfoDesc, prometheus.GaugeValue, 1, n.ID, n.Version)
	if n.Ping == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	v := 1.0
	if n.Ping(ctx) != nil {
		v = 0
	}
	ch <- prometheus.MustNewConstMetric(reachableDesc, prometheus.GaugeValue, v)
}
