package abi

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
)

// MetricType is proxy_metric_type_t.
type MetricType uint32

// Metric types.
const (
	MetricCounter   MetricType = 0
	MetricGauge     MetricType = 1
	MetricHistogram MetricType = 2
)

// HistogramBounds are the upper bounds of the buckets every guest histogram gets:
// powers of 4 from 1 to 4^15 (~1e9), wide enough for sizes, counts and latencies in
// µs or ns without the guest saying which.
var HistogramBounds = func() []float64 {
	b := make([]float64, 16)
	for i := range b {
		b[i] = math.Pow(4, float64(i))
	}
	return b
}()

// Metrics holds every metric the guests of a runtime define. A metric is named by
// (VM id, name, type): all instances of a module that define the same name share it,
// as Envoy's stats are shared by its workers. Ids follow cpp-host's scheme (the type in
// the low 2 bits), so a guest can tell them apart as Envoy's.
type Metrics struct {
	mu     sync.RWMutex
	byKey  map[metricKey]*Metric
	byID   map[uint32]*Metric
	nextID uint32
}

type metricKey struct {
	vmID, name string
	typ        MetricType
}

// Metric is one guest metric. Counter and gauge values are read atomically;
// histograms under their own lock.
type Metric struct {
	ID   uint32
	VMID string
	Name string
	Type MetricType

	value atomic.Int64

	hmu     sync.Mutex
	buckets []uint64 // one per HistogramBounds entry, plus +Inf
	sum     float64
	count   uint64
}

func newMetrics() *Metrics {
	return &Metrics{byKey: map[metricKey]*Metric{}, byID: map[uint32]*Metric{}}
}

func (ms *Metrics) define(vmID, name string, t MetricType) (uint32, Status) {
	if t > MetricHistogram || name == "" {
		return 0, StatusBadArgument
	}
	k := metricKey{vmID, name, t}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if m := ms.byKey[k]; m != nil {
		return m.ID, StatusOK
	}
	if len(ms.byID) >= MaxMetrics {
		return 0, StatusBadArgument
	}
	ms.nextID++
	m := &Metric{ID: ms.nextID<<2 | uint32(t), VMID: vmID, Name: name, Type: t}
	if t == MetricHistogram {
		m.buckets = make([]uint64, len(HistogramBounds)+1)
	}
	ms.byKey[k], ms.byID[m.ID] = m, m
	return m.ID, StatusOK
}

// lookup finds a metric for a guest of vmID: a guest sees only its VM's metrics.
func (ms *Metrics) lookup(vmID string, id uint32) *Metric {
	ms.mu.RLock()
	defer ms.mu.RUnlock()
	if m := ms.byID[id]; m != nil && m.VMID == vmID {
		return m
	}
	return nil
}

// Each calls f for every metric, sorted by VM id, name and type, for exporters.
func (ms *Metrics) Each(f func(*Metric)) {
	ms.mu.RLock()
	all := make([]*Metric, 0, len(ms.byID))
	for _, m := range ms.byID {
		all = append(all, m)
	}
	ms.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.VMID != b.VMID {
			return a.VMID < b.VMID
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Type < b.Type
	})
	for _, m := range all {
		f(m)
	}
}

// Value is a counter's or gauge's value.
func (m *Metric) Value() int64 { return m.value.Load() }

// Histogram returns the cumulative bucket counts (one per HistogramBounds entry), the
// sum and the count of a histogram.
func (m *Metric) Histogram() (cumulative []uint64, sum float64, count uint64) {
	m.hmu.Lock()
	defer m.hmu.Unlock()
	cumulative = make([]uint64, len(HistogramBounds))
	var run uint64
	for i := range HistogramBounds {
		run += m.buckets[i]
		cumulative[i] = run
	}
	return cumulative, m.sum, m.count
}

// increment adds delta: a counter refuses to go down (BAD_ARGUMENT, as Envoy), and a
// histogram cannot be incremented.
func (m *Metric) increment(delta int64) Status {
	switch {
	case m.Type == MetricHistogram:
		return StatusBadArgument
	case m.Type == MetricCounter && delta < 0:
		return StatusBadArgument
	}
	m.value.Add(delta)
	return StatusOK
}

// record sets a counter or gauge, or observes a histogram value.
func (m *Metric) record(v uint64) {
	if m.Type != MetricHistogram {
		m.value.Store(int64(v))
		return
	}
	f := float64(v)
	i := sort.SearchFloat64s(HistogramBounds, f)
	m.hmu.Lock()
	m.buckets[i]++
	m.sum += f
	m.count++
	m.hmu.Unlock()
}

// Metrics returns the runtime's guest metrics, for exporters.
func (r *Runtime) Metrics() *Metrics { return r.metrics }
