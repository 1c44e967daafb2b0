package proxywasm

import (
	"math"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Buffer types (proxy_buffer_type_t) the SDK reads and writes.
const (
	bufferRequestBody         uint32 = 0
	bufferResponseBody        uint32 = 1
	bufferVMConfiguration     uint32 = 6
	bufferPluginConfiguration uint32 = 7
)

// GetVMConfiguration returns the VM configuration; call it from OnVMStart. An empty
// configuration is types.ErrorStatusNotFound.
func GetVMConfiguration() ([]byte, error) {
	return getBuffer(bufferVMConfiguration, 0, math.MaxInt32)
}

// GetPluginConfiguration returns the plugin configuration; call it from OnPluginStart.
// An empty configuration is types.ErrorStatusNotFound.
func GetPluginConfiguration() ([]byte, error) {
	return getBuffer(bufferPluginConfiguration, 0, math.MaxInt32)
}

// GetHttpRequestBody returns up to maxSize bytes of the buffered request body from start.
func GetHttpRequestBody(start, maxSize int) ([]byte, error) {
	return getBuffer(bufferRequestBody, uint32(start), uint32(maxSize))
}

// AppendHttpRequestBody adds data after the buffered request body.
func AppendHttpRequestBody(data []byte) error {
	return setBuffer(bufferRequestBody, math.MaxInt32, 0, data)
}

// PrependHttpRequestBody adds data before the buffered request body.
func PrependHttpRequestBody(data []byte) error { return setBuffer(bufferRequestBody, 0, 0, data) }

// ReplaceHttpRequestBody replaces the whole buffered request body.
func ReplaceHttpRequestBody(data []byte) error {
	return setBuffer(bufferRequestBody, 0, math.MaxInt32, data)
}

// GetHttpResponseBody returns up to maxSize bytes of the buffered response body from start.
func GetHttpResponseBody(start, maxSize int) ([]byte, error) {
	return getBuffer(bufferResponseBody, uint32(start), uint32(maxSize))
}

// AppendHttpResponseBody adds data after the buffered response body.
func AppendHttpResponseBody(data []byte) error {
	return setBuffer(bufferResponseBody, math.MaxInt32, 0, data)
}

// PrependHttpResponseBody adds data before the buffered response body.
func PrependHttpResponseBody(data []byte) error { return setBuffer(bufferResponseBody, 0, 0, data) }

// ReplaceHttpResponseBody replaces the whole buffered response body.
func ReplaceHttpResponseBody(data []byte) error {
	return setBuffer(bufferResponseBody, 0, math.MaxInt32, data)
}

// getBuffer reads a buffer; nothing to read is types.ErrorStatusNotFound, as the
// tetratelabs SDK answers.
func getBuffer(t, start, maxSize uint32) ([]byte, error) {
	ptr, size := retSlots()
	st := proxyGetBufferBytes(t, start, maxSize, ptr, size)
	data := received(*ptr, *size)
	if err := statusErr(st); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, types.ErrorStatusNotFound
	}
	return data, nil
}

// setBuffer replaces [start, start+size) of a buffer with data (the host clamps).
func setBuffer(t, start, size uint32, data []byte) error {
	return statusErr(proxySetBufferBytes(t, start, size, bytesPtr(data), uint32(len(data))))
}
