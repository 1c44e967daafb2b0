//go:build !wasip1

package proxywasm

// retSlots are fresh in a native build, where tests may call from several goroutines
// (see retslots_wasip1.go for why wasm builds share one set).
func retSlots() (ptr, size *uint32)     { return new(uint32), new(uint32) }
func retSlots3() (ptr, size, u *uint32) { return new(uint32), new(uint32), new(uint32) }
