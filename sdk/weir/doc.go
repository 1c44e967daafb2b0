// Package weir is the thin layer between a weir plugin and the gateway's own services:
// credential and consumer lookup and setting the authenticated consumer, the things a
// Kong plugin does through kong.* PDK calls. Each function wraps one foreign function
// reached through proxy_call_foreign_function; arguments and results are JSON.
//
// The foreign functions (the gateway implements them; a proxy-wasm host without them
// answers NOT_FOUND, which these functions return as an error):
//
//	weir.find_credential
//	  args   {"kind":"keyauth_credentials","field":"key","value":"secret"}
//	  result {"found":true,"credential":{...entity JSON...},"consumer":{...consumer JSON...}}
//	         or {"found":false}
//
//	weir.find_consumer
//	  args   {"id_or_username":"alice"}
//	  result {"found":true,"consumer":{...}} or {"found":false}
//
//	weir.authenticate
//	  args   {"consumer_id":"...","credential_id":"...","anonymous":false}
//	  result empty, status OK. The gateway records the consumer on the request and sets
//	  the upstream headers X-Consumer-ID, X-Consumer-Custom-ID, X-Consumer-Username,
//	  X-Credential-Identifier and X-Anonymous-Consumer itself, as Kong's set_consumer
//	  does; the plugin does not set them.
//
// Entity JSON has the shape of Kong's Admin API (see store/model.go in the gateway).
package weir
