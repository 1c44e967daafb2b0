package abi

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformedPairs says a serialized header map from a guest is not in the ABI's
// format or breaks a limit in limits.go.
var ErrMalformedPairs = errors.New("malformed header pairs")

// EncodePairs serializes a header map as the ABI lays it out (little-endian):
// u32 count, count × (u32 key length, u32 value length), then each key and value
// followed by a NUL byte. An empty map is a single u32 zero.
func EncodePairs(pairs [][2]string) []byte {
	size := 4 + 8*len(pairs)
	for _, p := range pairs {
		size += len(p[0]) + len(p[1]) + 2
	}
	out := make([]byte, size)
	binary.LittleEndian.PutUint32(out, uint32(len(pairs)))
	lens, data := out[4:], out[4+8*len(pairs):]
	for i, p := range pairs {
		binary.LittleEndian.PutUint32(lens[8*i:], uint32(len(p[0])))
		binary.LittleEndian.PutUint32(lens[8*i+4:], uint32(len(p[1])))
		n := copy(data, p[0])
		data[n] = 0
		m := copy(data[n+1:], p[1])
		data[n+1+m] = 0
		data = data[n+m+2:]
	}
	return out
}

// DecodePairs parses a serialized header map. It accepts the two empty forms the spec
// allows (no bytes, or one NUL byte) and rejects anything over MaxPairsBytes or
// MaxPairs entries, a missing NUL terminator, and trailing bytes, as cpp-host does:
// a guest must not be able to make the host read past what it declared.
func DecodePairs(b []byte) ([][2]string, error) {
	if len(b) == 0 || (len(b) == 1 && b[0] == 0) {
		return nil, nil
	}
	if len(b) > MaxPairsBytes {
		return nil, fmt.Errorf("%w: %d bytes exceed %d", ErrMalformedPairs, len(b), MaxPairsBytes)
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: %d bytes cannot hold the count", ErrMalformedPairs, len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	if n > MaxPairs {
		return nil, fmt.Errorf("%w: %d entries exceed %d", ErrMalformedPairs, n, MaxPairs)
	}
	if uint64(len(b)) < 4+8*uint64(n) {
		return nil, fmt.Errorf("%w: %d entries need more than %d bytes", ErrMalformedPairs, n, len(b))
	}
	lens, data := b[4:4+8*n], b[4+8*n:]
	pairs := make([][2]string, n)
	for i := range pairs {
		var err error
		kl := binary.LittleEndian.Uint32(lens[8*i:])
		vl := binary.LittleEndian.Uint32(lens[8*i+4:])
		if pairs[i][0], data, err = takeTerminated(data, kl); err != nil {
			return nil, fmt.Errorf("%w: key %d: %w", ErrMalformedPairs, i, err)
		}
		if pairs[i][1], data, err = takeTerminated(data, vl); err != nil {
			return nil, fmt.Errorf("%w: value %d: %w", ErrMalformedPairs, i, err)
		}
	}
	if len(data) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrMalformedPairs, len(data))
	}
	return pairs, nil
}

// takeTerminated cuts n bytes plus their NUL terminator off the front of data.
func takeTerminated(data []byte, n uint32) (string, []byte, error) {
	if uint64(n) >= uint64(len(data)) {
		return "", nil, fmt.Errorf("length %d runs past the end (%d bytes left)", n, len(data))
	}
	if data[n] != 0 {
		return "", nil, errors.New("missing NUL terminator")
	}
	return string(data[:n]), data[n+1:], nil
}
