package host

import (
	"context"
	"testing"

	"github.com/weir-gateway/weir/host/pipeline"
)

// TestBuiltinChainAllocations holds the pipeline's dispatch to no allocation per
// request: routing, the plugin chain (each plugin's HTTP context and lease), the
// guests' host calls and weir.find_credential, on a recycled exchange as the front end
// serves it. What a plugin makes for the response counts apart: the text of
// rate-limiting's remaining count, new on every request.
func TestBuiltinChainAllocations(t *testing.T) {
	most := map[string]float64{"none": 0, "key-auth": 0, "rate-limiting": 1, "key-auth+rate-limiting": 1}
	for _, c := range chainCases {
		want, ok := most[c.name]
		if !ok {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			p, _ := benchGateway(t, context.Background(), c.config, true)
			ctx := context.Background()
			e := new(pipeline.Exchange)
			serve := func() {
				request(e, c.headers)
				p.Serve(ctx, e)
			}
			for range 50 { // warm the instances and the exchange's storage
				serve()
			}
			if s := e.Response.Headers.Value(":status"); s != "200" {
				t.Fatalf("status %s: %s", s, e.Response.Body.Bytes())
			}
			if got := testing.AllocsPerRun(200, serve); got > want {
				t.Errorf("%v allocations per request, want at most %v", got, want)
			}
		})
	}
}
