package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// startProfiles starts what WEIR_CPU_PROFILE, WEIR_TRACE and WEIR_HEAP_PROFILE ask for
// (file paths: a CPU profile, an execution trace, the allocations) and returns what
// writes them out when the node stops. They are for finding where a running node
// spends its time and memory under real load (scripts/bench/run.sh with PROFILE_DIR);
// production nodes leave them unset.
func startProfiles() (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	for _, p := range []struct {
		env   string
		start func(io.Writer) error
		stop  func()
	}{
		{"WEIR_CPU_PROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile},
		{"WEIR_TRACE", trace.Start, trace.Stop},
	} {
		path := os.Getenv(p.env)
		if path == "" {
			continue
		}
		f, err := os.Create(path)
		if err == nil {
			if err = p.start(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			stop()
			return func() {}, fmt.Errorf("%s: %w", p.env, err)
		}
		stops = append(stops, func() { p.stop(); f.Close() })
	}
	if path := os.Getenv("WEIR_HEAP_PROFILE"); path != "" {
		runtime.MemProfileRate = 64 << 10
		stops = append(stops, func() {
			if f, err := os.Create(path); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		})
	}
	return stop, nil
}
