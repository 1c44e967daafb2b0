//go:build !wasip1

package proxywasm

// In a native build (tests against the emulator) there is no linear memory to name:
// every value is allocated.
func useReturnBuffer() {}

func inReturnBuffer(uint32, uint32) ([]byte, bool) { return nil, false }
