package proxywasm

import (
	"errors"
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// ErrNoHost is what every host call returns in a native (non-wasip1) build, where there
// is no proxy-wasm host to call.
var ErrNoHost = errors.New("proxywasm: no proxy-wasm host: built without GOOS=wasip1")

// ErrInvalidMemoryAccess is the host's INVALID_MEMORY_ACCESS: it could not read or
// write the memory the SDK pointed it at, which means a bug in the SDK.
var ErrInvalidMemoryAccess = errors.New("error status returned by host: invalid memory access")

// Host status codes (proxy_status_t) and the SDK's own marker for "no host".
const (
	statusOK                  uint32 = 0
	statusNotFound            uint32 = 1
	statusBadArgument         uint32 = 2
	statusInvalidMemoryAccess uint32 = 6
	statusEmpty               uint32 = 7
	statusCASMismatch         uint32 = 8
	statusInternalFailure     uint32 = 10
	statusUnimplemented       uint32 = 12
	statusNoHost              uint32 = 0xffff_ffff
)

// statusErr maps a host status to the types package's errors.
func statusErr(st uint32) error {
	switch st {
	case statusOK:
		return nil
	case statusNotFound:
		return types.ErrorStatusNotFound
	case statusBadArgument:
		return types.ErrorStatusBadArgument
	case statusInvalidMemoryAccess:
		return ErrInvalidMemoryAccess
	case statusEmpty:
		return types.ErrorStatusEmpty
	case statusCASMismatch:
		return types.ErrorStatusCasMismatch
	case statusInternalFailure:
		return types.ErrorInternalFailure
	case statusUnimplemented:
		return types.ErrorUnimplemented
	case statusNoHost:
		return ErrNoHost
	}
	return fmt.Errorf("error status returned by host: %d", st)
}
