package weir_test

import (
	"fmt"

	"github.com/weir-gateway/weir/sdk/proxytest"
	"github.com/weir-gateway/weir/sdk/weir"
)

// A whole plugin: it answers 403 to requests without the configured header and tags
// the others. In a plugin module the Register call sits in init() and main is empty.
func ExampleRegister() {
	type config struct {
		Header string `json:"header" default:"x-team" validate:"min=1"`
		Tag    string `json:"tag" validate:"required"`
	}
	weir.Register(weir.Plugin[config]{
		Name: "require-team",
		OnRequest: func(r *weir.Request, c *config) weir.Action {
			team := r.Header(c.Header)
			if team == "" {
				return r.Error(403, "missing "+c.Header)
			}
			_ = r.SetHeader("x-tag", c.Tag+":"+team)
			return weir.Continue
		},
	})

	// The test side: proxytest runs the plugin without a gateway.
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().
		WithPluginConfiguration([]byte(`{"tag":"blue"}`)))
	defer reset()
	host.StartPlugin()

	id := host.InitializeHttpContext()
	host.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}, {"x-team", "core"}}, true)
	for _, h := range host.GetCurrentRequestHeaders(id) {
		if h[0] == "x-tag" {
			fmt.Println("upstream sees x-tag:", h[1])
		}
	}

	id = host.InitializeHttpContext()
	host.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}}, true)
	resp := host.GetSentLocalResponse(id)
	fmt.Println(resp.StatusCode, string(resp.Data))
	// Output:
	// upstream sees x-tag: blue:core
	// 403 {"message":"missing x-team"}
}

func ExampleDecodeConfig() {
	type config struct {
		KeyNames []string `json:"key_names" default:"[\"apikey\"]" validate:"min=1"`
		Minute   int      `json:"minute" default:"60" validate:"min=1,max=3600"`
		Policy   string   `json:"policy" default:"local" validate:"oneof=local|cluster"`
	}
	c, err := weir.DecodeConfig[config]([]byte(`{"minute":10}`))
	fmt.Printf("%+v %v\n", c, err)
	_, err = weir.DecodeConfig[config]([]byte(`{"policy":"redis"}`))
	fmt.Println(err)
	// Output:
	// {KeyNames:[apikey] Minute:10 Policy:local} <nil>
	// config.policy: expected one of: local, cluster
}

func ExampleCounter() {
	_, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption())
	defer reset()

	hits := weir.NewCounter("hits") // shared by every instance of the module
	hits.Add(1)
	n, err := hits.Add(2)
	fmt.Println(n, err)
	// Output: 3 <nil>
}

func ExampleQuery_Arg() {
	q := weir.Query("apikey=a&apikey=b&debug&page=2")
	fmt.Println(q.Arg("apikey").Kind == weir.ArgList, q.Arg("debug").Kind == weir.ArgOther, q.Arg("page").Value)
	fmt.Println(q.Without("apikey"))
	// Output:
	// true true 2
	// debug&page=2
}

func ExampleAuthenticatedConsumer() {
	_, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().
		WithProperty([]string{"weir", "consumer_id"}, []byte("4f1c")).
		WithProperty([]string{"weir", "consumer_username"}, []byte("alice")))
	defer reset()

	if c, credentialID, ok := weir.AuthenticatedConsumer(); ok {
		fmt.Println(c.ID, *c.Username, credentialID == "")
	}
	// Output: 4f1c alice true
}
