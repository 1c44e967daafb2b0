package proxywasm

type (
	// MetricCounter is a counter: it only goes up. Make one with DefineCounterMetric.
	MetricCounter uint32
	// MetricGauge is a value that goes up and down. Make one with DefineGaugeMetric.
	MetricGauge uint32
	// MetricHistogram records a distribution. Make one with DefineHistogramMetric.
	MetricHistogram uint32
)

// defineMetric asks the host for a metric id; defining a name twice gives the same
// metric. A host that refuses panics, as in the tetratelabs SDK: a plugin defines its
// metrics at start-up, where a failure is a bug to see at once.
func defineMetric(kind uint32, name string) uint32 {
	var id uint32
	if err := statusErr(proxyDefineMetric(kind, stringPtr(name), uint32(len(name)), &id)); err != nil {
		panic("proxywasm: define metric " + name + ": " + err.Error())
	}
	return id
}

// DefineCounterMetric defines (or finds) the counter name. In weir the name is the
// metric's Prometheus name; Envoy-style tags (`name_tag=value`) are kept in the name.
func DefineCounterMetric(name string) MetricCounter {
	return MetricCounter(defineMetric(metricCounter, name))
}

// Value is the counter's current value.
func (m MetricCounter) Value() uint64 { return metricValue(uint32(m)) }

// Increment adds offset to the counter.
func (m MetricCounter) Increment(offset uint64) {
	logOnError("increment counter", proxyIncrementMetric(uint32(m), int64(offset)))
}

// DefineGaugeMetric defines (or finds) the gauge name.
func DefineGaugeMetric(name string) MetricGauge { return MetricGauge(defineMetric(metricGauge, name)) }

// Value is the gauge's current value.
func (m MetricGauge) Value() int64 { return int64(metricValue(uint32(m))) }

// Add adds offset (which may be negative) to the gauge.
func (m MetricGauge) Add(offset int64) {
	logOnError("add to gauge", proxyIncrementMetric(uint32(m), offset))
}

// DefineHistogramMetric defines (or finds) the histogram name.
func DefineHistogramMetric(name string) MetricHistogram {
	return MetricHistogram(defineMetric(metricHistogram, name))
}

// Value is what the host reports for the histogram (hosts differ; weir: the sum).
func (m MetricHistogram) Value() uint64 { return metricValue(uint32(m)) }

// Record adds one observation to the histogram.
func (m MetricHistogram) Record(value uint64) {
	logOnError("record histogram", proxyRecordMetric(uint32(m), value))
}

func metricValue(id uint32) uint64 {
	var v uint64
	logOnError("get metric", proxyGetMetric(id, &v))
	return v
}

// logOnError reports a failed call that has no error result to the host's log.
func logOnError(what string, st uint32) {
	if err := statusErr(st); err != nil && st != statusNoHost {
		LogCriticalf("proxywasm: %s: %v", what, err)
	}
}
