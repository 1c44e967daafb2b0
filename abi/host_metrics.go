package abi

import "github.com/tetratelabs/wazero/api"

// metricFunctions: define, increment, record and get. record and increment take their
// value as an i64.
func metricFunctions() []hostFunc {
	i64 := []api.ValueType{i32, api.ValueTypeI64}
	return []hostFunc{
		proxyFunc("proxy_define_metric", 4, proxyDefineMetric),
		{name: "proxy_increment_metric", params: i64, results: i32s(1), fn: wrap(proxyIncrementMetric)},
		{name: "proxy_record_metric", params: i64, results: i32s(1), fn: wrap(proxyRecordMetric)},
		proxyFunc("proxy_get_metric", 2, proxyGetMetric),
	}
}

// proxyDefineMetric(type, name_ptr, name_size, ret_metric_id_ptr): defining a name
// again returns the same id.
func proxyDefineMetric(h hostCtx, stack []uint64) Status {
	name, st := h.readString(arg(stack, 1), arg(stack, 2), MaxKeyBytes)
	if st != StatusOK {
		return st
	}
	id, st := h.inst.mod.rt.metrics.define(h.inst.vmID, name, MetricType(arg(stack, 0)))
	if st != StatusOK {
		return st
	}
	return h.writeU32(arg(stack, 3), id)
}

// proxyIncrementMetric(metric_id, i64 delta).
func proxyIncrementMetric(h hostCtx, stack []uint64) Status {
	m := h.inst.mod.rt.metrics.lookup(h.inst.vmID, arg(stack, 0))
	if m == nil {
		return StatusNotFound
	}
	return m.increment(int64(stack[1]))
}

// proxyRecordMetric(metric_id, i64 value).
func proxyRecordMetric(h hostCtx, stack []uint64) Status {
	m := h.inst.mod.rt.metrics.lookup(h.inst.vmID, arg(stack, 0))
	if m == nil {
		return StatusNotFound
	}
	m.record(stack[1])
	return StatusOK
}

// proxyGetMetric(metric_id, ret_value_ptr): a counter's or gauge's value as u64; a
// histogram has no single value (BAD_ARGUMENT).
func proxyGetMetric(h hostCtx, stack []uint64) Status {
	m := h.inst.mod.rt.metrics.lookup(h.inst.vmID, arg(stack, 0))
	if m == nil {
		return StatusNotFound
	}
	if m.Type == MetricHistogram {
		return StatusBadArgument
	}
	return h.writeU64(arg(stack, 1), uint64(m.Value()))
}
