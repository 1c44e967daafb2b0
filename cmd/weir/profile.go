package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// startProfiles starts the profiles that WEIR_CPU_PROFILE and WEIR_HEAP_PROFILE ask for
// (file paths) and returns what writes them out when the node stops. They are for
// finding where a running node spends its time and memory under real load
// (scripts/bench/run.sh --profile); production nodes leave them unset.
func startProfiles() (stop func(), err error) {
	stop = func() {}
	if path := os.Getenv("WEIR_CPU_PROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return stop, fmt.Errorf("WEIR_CPU_PROFILE: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return stop, fmt.Errorf("WEIR_CPU_PROFILE: %w", err)
		}
		stop = func() {
			pprof.StopCPUProfile()
			f.Close()
		}
	}
	if path := os.Getenv("WEIR_TRACE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return stop, fmt.Errorf("WEIR_TRACE: %w", err)
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			return stop, fmt.Errorf("WEIR_TRACE: %w", err)
		}
		stopCPU := stop
		stop = func() {
			stopCPU()
			trace.Stop()
			f.Close()
		}
	}
	if path := os.Getenv("WEIR_HEAP_PROFILE"); path != "" {
		runtime.MemProfileRate = 64 << 10
		stopCPU := stop
		stop = func() {
			stopCPU()
			if f, err := os.Create(path); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}
	}
	return stop, nil
}
