package abi

import "time"

// logFunctions: logging, time and timers.
func logFunctions() []hostFunc {
	return []hostFunc{
		proxyFunc("proxy_log", 3, proxyLog),
		proxyFunc("proxy_get_log_level", 1, proxyGetLogLevel),
		proxyFunc("proxy_get_current_time_nanoseconds", 1, proxyGetCurrentTime),
		proxyFunc("proxy_set_tick_period_milliseconds", 1, proxySetTickPeriod),
	}
}

// proxyLog(level, msg_ptr, msg_size): lines below the gateway's level are dropped here,
// so a chatty plugin costs one host call, not a log write.
func proxyLog(h hostCtx, stack []uint64) Status {
	level := LogLevel(arg(stack, 0))
	if level > LogCritical {
		return StatusBadArgument
	}
	msg, st := h.readString(arg(stack, 1), arg(stack, 2), MaxLogBytes)
	if st != StatusOK {
		return st
	}
	if level >= h.inst.svc.LogLevel() {
		h.inst.svc.Log(h.inst.pluginOf(h.current()), level, msg)
	}
	return StatusOK
}

// proxyGetLogLevel(ret_level_ptr), 0.2.1.
func proxyGetLogLevel(h hostCtx, stack []uint64) Status {
	return h.writeU32(arg(stack, 0), uint32(h.inst.svc.LogLevel()))
}

// proxyGetCurrentTime(ret_time_ptr): wall clock in ns since the epoch, as u64.
func proxyGetCurrentTime(h hostCtx, stack []uint64) Status {
	return h.writeU64(arg(stack, 0), uint64(time.Now().UnixNano()))
}

// proxySetTickPeriod(period_ms): proxy_on_tick every period_ms on the current
// context's root (0 stops it). Each instance ticks its own roots, as each Envoy worker
// ticks its own VM.
func proxySetTickPeriod(h hostCtx, stack []uint64) Status {
	c := h.current()
	if c == nil {
		return StatusBadArgument
	}
	ms := arg(stack, 0)
	if ms != 0 && ms < MinTickPeriodMillis {
		ms = MinTickPeriodMillis
	}
	h.inst.setTick(c.plugin(), time.Duration(ms)*time.Millisecond)
	return StatusOK
}
