package abi

import (
	"math"
	"sync"
	"sync/atomic"
)

// CallbackBounds are the upper bounds, in seconds, of the buckets of every callback
// duration histogram: from a microsecond (a warm no-op callback) to the seconds a
// callback may take before its deadline.
var CallbackBounds = []float64{1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
	1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5}

// CallbackStats is the time one plugin's instances spent in one exported callback
// (proxy_on_request_headers, ...), updated with atomic adds as calls return and read
// at scrape time.
type CallbackStats struct {
	// Plugin is the plugin's name: the VM id (the module's name), or, in a module
	// carrying several plugins, the name of the root context's plugin; calls outside
	// any plugin's context (start-up, proxy_on_vm_start) count under the VM id.
	// Callback is the export's name.
	Plugin, Callback string
	count, sumNs     atomic.Uint64
	buckets          [22]atomic.Uint64 // one per CallbackBounds entry, then +Inf
}

// callbackBoundsNs are CallbackBounds in nanoseconds, for observe.
var callbackBoundsNs = func() []int64 {
	ns := make([]int64, len(CallbackBounds))
	for i, b := range CallbackBounds {
		ns[i] = int64(math.Round(b * 1e9))
	}
	return ns
}()

// observe counts a call of ns nanoseconds. Its bucket is looked for from the smallest
// up, in integers: nearly every callback falls in the first few, and observe runs on
// every guest entry.
func (s *CallbackStats) observe(ns int64) {
	if ns < 0 {
		ns = 0
	}
	s.count.Add(1)
	s.sumNs.Add(uint64(ns))
	i := 0
	for i < len(callbackBoundsNs) && ns > callbackBoundsNs[i] {
		i++
	}
	s.buckets[i].Add(1)
}

// Histogram returns the cumulative count per bucket of CallbackBounds, the sum of the
// durations in seconds and the number of calls.
func (s *CallbackStats) Histogram() (cumulative []uint64, sum float64, count uint64) {
	cumulative = make([]uint64, len(CallbackBounds))
	var acc uint64
	for i := range CallbackBounds {
		acc += s.buckets[i].Load()
		cumulative[i] = acc
	}
	return cumulative, float64(s.sumNs.Load()) / 1e9, s.count.Load()
}

// callbackStats holds a runtime's CallbackStats by plugin and callback.
type callbackStats struct {
	mu sync.Mutex
	m  map[[2]string]*CallbackStats
}

// get returns the stats of one plugin's callback, creating them on first use.
func (c *callbackStats) get(plugin, callback string) *CallbackStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := [2]string{plugin, callback}
	s := c.m[k]
	if s == nil {
		if c.m == nil {
			c.m = map[[2]string]*CallbackStats{}
		}
		s = &CallbackStats{Plugin: plugin, Callback: callback}
		c.m[k] = s
	}
	return s
}

// EachCallbackStats calls f with the callback statistics of every plugin, in no
// particular order.
func (r *Runtime) EachCallbackStats(f func(*CallbackStats)) {
	r.callbacks.mu.Lock()
	list := make([]*CallbackStats, 0, len(r.callbacks.m))
	for _, s := range r.callbacks.m {
		list = append(list, s)
	}
	r.callbacks.mu.Unlock()
	for _, s := range list {
		f(s)
	}
}
