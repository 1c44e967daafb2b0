// Package correlationid is Kong 3.9's correlation-id plugin as a weir proxy-wasm
// plugin: it gives every request an id in a header (keeping one the client sent),
// for the upstream and, with echo_downstream, for the client too.
package correlationid

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is correlation-id's configuration (schema.json).
type config struct {
	HeaderName     string `json:"header_name" default:"Kong-Request-ID"`
	Generator      string `json:"generator" default:"uuid#counter" validate:"oneof=uuid|uuid#counter|tracker"`
	EchoDownstream bool   `json:"echo_downstream"`
}

func init() {
	weir.Register(weir.Plugin[config]{Name: "correlation-id", OnRequest: onRequest, OnResponse: onResponse})
}

func onRequest(r *weir.Request, c *config) weir.Action {
	id := r.Header(c.HeaderName)
	if id == "" {
		id = generate(c.Generator)
		if err := r.SetHeader(c.HeaderName, id); err != nil {
			proxywasm.LogErrorf("correlation-id: set %s: %v", c.HeaderName, err)
		}
	}
	if c.EchoDownstream {
		r.Data = id // echoed in OnResponse
	}
	return weir.Continue
}

func onResponse(r *weir.Request, c *config) weir.Action {
	if !c.EchoDownstream {
		return weir.Continue
	}
	id, _ := r.Data.(string)
	if id == "" {
		id = r.Header(c.HeaderName)
	}
	if id == "" {
		id = generate(c.Generator) // the request phase did not run (an earlier local answer)
	}
	if err := r.SetResponseHeader(c.HeaderName, id); err != nil {
		proxywasm.LogErrorf("correlation-id: set response %s: %v", c.HeaderName, err)
	}
	return weir.Continue
}

// instanceUUID and counter make uuid#counter ids: one uuid per module instance (Kong
// has one per worker) and a count of the ids it gave.
var (
	instanceUUID string
	counter      uint64
)

func generate(generator string) string {
	switch generator {
	case "uuid":
		return newUUID()
	case "tracker":
		return tracker()
	}
	if instanceUUID == "" {
		instanceUUID = newUUID()
	}
	counter++
	return instanceUUID + "#" + strconv.FormatUint(counter, 10)
}

// newUUID is a random (version 4) UUID, lower-case as Kong writes it.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		proxywasm.LogErrorf("correlation-id: random: %v", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// tracker is Kong's tracker id: the address and port the client connected to, the
// process id, the connection's serial number, the number of requests made on it, and
// the time in seconds with milliseconds, joined by dashes.
func tracker() string {
	addr, _ := weir.Property("destination.address")
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		addr = addr[:i]
	}
	addr = strings.Trim(addr, "[]")
	ms := num("request.time") / 1e6
	return fmt.Sprintf("%s-%d-%d-%d-%d-%d.%03d", addr, num("destination.port"), num("weir.worker_pid"),
		num("connection.id"), num("weir.connection_requests"), ms/1000, ms%1000)
}

// num reads an integer property (8 bytes, little-endian); 0 when absent.
func num(path string) int64 {
	v, ok := weir.Property(path)
	if !ok || len(v) != 8 {
		return 0
	}
	return int64(binary.LittleEndian.Uint64([]byte(v)))
}
