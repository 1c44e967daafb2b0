package balancer

import (
	"fmt"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store"
)

// BenchmarkPick is the cost of choosing a target (and, for the scored algorithms,
// reporting the attempt) with 10 targets.
func BenchmarkPick(b *testing.B) {
	var ts []store.Target
	for i := 0; i < 10; i++ {
		ts = append(ts, store.Target{ID: fmt.Sprint(i), Target: fmt.Sprintf("10.0.0.%d:80", i), Weight: 100 + i})
	}
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("user-", i)
	}
	for _, algo := range []string{"round-robin", "consistent-hashing", "least-connections", "latency"} {
		bal, err := newBalancer(&store.Upstream{Name: "u", Algorithm: algo, Slots: 10000}, ts, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(algo, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				t, err := bal.Pick(keys[i%len(keys)], nil)
				if err != nil {
					b.Fatal(err)
				}
				bal.Start(t)
				bal.Done(t, HTTPStatus, 200, time.Millisecond)
				i++
			}
		})
	}
}
