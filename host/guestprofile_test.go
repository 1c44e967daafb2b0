package host

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/weir-gateway/weir/host/pipeline"
)

// guestProfile names a chainCases setup to profile inside the guests:
//
//	go test -run TestGuestProfile -guest-profile key-auth+rate-limiting ./host
//
// A CPU profile of the gateway shows guest time only as runtime._ExternalCode. This
// counts, per request, the calls of every guest function, and who called the
// allocator (a Go guest's malloc costs about 0.2 µs, its function calls a few ns, so
// these two counts say where a Go plugin's time goes, and unlike timings they do not
// move with the machine's load), then prints each callback's mean time from the
// gateway's own metric, measured on a second gateway without the counting.
var guestProfile = flag.String("guest-profile", "", "chainCases setup whose guest calls TestGuestProfile counts")

func TestGuestProfile(t *testing.T) {
	if *guestProfile == "" {
		t.Skip("a profiling tool: go test -run TestGuestProfile -guest-profile <case> ./host")
	}
	var config string
	var headers [][2]string
	for _, c := range chainCases {
		if c.name == *guestProfile {
			config, headers = c.config, c.headers
		}
	}
	if config == "" {
		t.Fatalf("no case %q in chainCases", *guestProfile)
	}
	const requests = 100
	counter := &callCounter{counts: map[string]int{}}
	testing.Benchmark(func(b *testing.B) {
		// listeners need the module compiled with them: no compilation cache
		ctx := experimental.WithFunctionListenerFactory(context.Background(), counter)
		p, _ := benchGateway(b, ctx, config, false)
		serve(p, headers, 200)
		counter.on = true
		serve(p, headers, requests)
		counter.on = false
		// times come from a gateway without listeners, which slow every guest call
		p, gw := benchGateway(b, context.Background(), config, true)
		serve(p, headers, 3000)
		printCallbackTimes(gw)
		b.SkipNow()
	})
	type entry struct {
		name string
		n    int
	}
	var calls, allocs []entry
	total := 0
	for name, n := range counter.counts {
		if strings.HasPrefix(name, "malloc from ") {
			allocs = append(allocs, entry{strings.TrimPrefix(name, "malloc from "), n})
			continue
		}
		calls = append(calls, entry{name, n})
		total += n
	}
	for _, list := range [][]entry{calls, allocs} {
		sort.Slice(list, func(i, j int) bool {
			return list[i].n > list[j].n || list[i].n == list[j].n && list[i].name < list[j].name
		})
	}
	fmt.Printf("guest function calls per request: %d\n\ncalls per request, most called first:\n", total/requests)
	for _, e := range calls[:min(40, len(calls))] {
		fmt.Printf("%8.1f %s\n", float64(e.n)/requests, e.name)
	}
	fmt.Printf("\nruntime.mallocgc per request, by caller:\n")
	for _, e := range allocs[:min(40, len(allocs))] {
		fmt.Printf("%8.1f %s\n", float64(e.n)/requests, e.name)
	}
}

// serve sends n requests through p.
func serve(p *pipeline.Pipeline, headers [][2]string, n int) {
	e := new(pipeline.Exchange)
	for range n {
		request(e, headers)
		p.Serve(context.Background(), e)
	}
}

// callCounter is a wazero function listener factory that counts guest calls while on.
type callCounter struct {
	on     bool
	counts map[string]int
}

func (c *callCounter) NewFunctionListener(def api.FunctionDefinition) experimental.FunctionListener {
	name := strings.TrimPrefix(def.DebugName(), ".")
	isMalloc := name == "runtime.mallocgc"
	return experimental.FunctionListenerFunc(func(_ context.Context, _ api.Module, _ api.FunctionDefinition, _ []uint64, stack experimental.StackIterator) {
		if !c.on {
			return
		}
		c.counts[name]++
		if isMalloc {
			c.counts["malloc from "+callers(stack, 3)]++
		}
	})
}

// callers names the first n callers outside the Go runtime.
func callers(stack experimental.StackIterator, n int) string {
	var names []string
	for len(names) < n && stack.Next() {
		fn := strings.TrimPrefix(stack.Function().Definition().DebugName(), ".")
		if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal_runtime") {
			continue
		}
		names = append(names, strings.TrimPrefix(fn, "github.com_weir_gateway_weir_"))
	}
	return strings.Join(names, " <- ")
}

// printCallbackTimes prints each plugin callback's mean duration from the gateway's
// weir_wasm_callback_duration_seconds.
func printCallbackTimes(gw *Gateway) {
	rec := httptest.NewRecorder()
	gw.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	sums, counts := map[string]float64{}, map[string]float64{}
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		name, rest, ok := strings.Cut(line, "{")
		if !ok {
			continue
		}
		labels, value, _ := strings.Cut(rest, "} ")
		v, err := strconv.ParseFloat(value, 64)
		switch {
		case err != nil:
		case name == "weir_wasm_callback_duration_seconds_sum":
			sums[labels] = v
		case name == "weir_wasm_callback_duration_seconds_count":
			counts[labels] = v
		}
	}
	var lines []string
	for labels, n := range counts {
		if n >= 1000 {
			lines = append(lines, fmt.Sprintf("%8.2f µs  %s", sums[labels]/n*1e6, labels))
		}
	}
	sort.Strings(lines)
	fmt.Printf("mean time per callback (without counting):\n%s\n\n", strings.Join(lines, "\n"))
}
