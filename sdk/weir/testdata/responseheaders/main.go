// Command responseheaders is a test module for Request.SetResponseHeaders against a
// real host: it sets numbered response headers, under constant names and under one
// its configuration names (a string on the guest's heap), and a text header too when
// the configuration gives one, so that both weir.set_header_integers (numbers only)
// and weir.set_header_values are used.
//
// Configuration: {"name": "x-configured", "text": "optional"}.
package main

import "github.com/weir-gateway/weir/sdk/weir"

type config struct {
	Name string `json:"name" validate:"min=1"`
	Text string `json:"text"`
}

// headers is reset and reused by every response: a guest is single-threaded.
var headers weir.HeaderValues

func init() {
	weir.Register(weir.Plugin[config]{
		Name: "response-headers",
		OnResponse: func(r *weir.Request, c *config) weir.Action {
			headers.Reset()
			headers.SetInt("x-limit", 10)
			headers.SetInt("X-Remaining", -3)
			headers.SetInt(c.Name, int64(r.Status()))
			if c.Text != "" {
				headers.Set("x-text", c.Text)
			}
			if err := r.SetResponseHeaders(&headers); err != nil {
				return r.Error(500, err.Error())
			}
			return weir.Continue
		},
	})
}

func main() {}
