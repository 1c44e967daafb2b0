// Command floor is the side-by-side run's reference for weir's HTTP engine: the
// smallest reverse proxy fasthttp makes (its server handing each request to one
// HostClient, keep-alive both ways, nothing else). What separates weir (a) from it is
// weir's own work per request; what separates it from nginx is the engine's.
//
//	floor -listen 127.0.0.1:19103 -upstream 127.0.0.1:19100
package main

import (
	"flag"
	"log"

	"github.com/valyala/fasthttp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19103", "address to serve on")
	upstream := flag.String("upstream", "127.0.0.1:19100", "host:port every request goes to")
	flag.Parse()
	client := &fasthttp.HostClient{Addr: *upstream, MaxConns: 4096}
	handle := func(ctx *fasthttp.RequestCtx) {
		if err := client.Do(&ctx.Request, &ctx.Response); err != nil {
			ctx.Error(err.Error(), fasthttp.StatusBadGateway)
		}
	}
	srv := &fasthttp.Server{Handler: handle, NoDefaultServerHeader: true}
	log.Fatal(srv.ListenAndServe(*listen))
}
