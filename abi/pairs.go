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
	var pairs [][2]string
	err := eachPair(b, func(n int) {
		if n > 0 {
			pairs = make([][2]string, 0, n)
		}
	}, func(k, v []byte) {
		pairs = append(pairs, [2]string{string(k), string(v)})
	})
	if err != nil {
		return nil, err
	}
	return pairs, nil
}

// eachPair checks all of b as DecodePairs does, then calls count with the number of
// entries and each with every key and value, in place (each copies what it keeps). A
// malformed b calls neither, so a caller applying the pairs applies all or none.
func eachPair(b []byte, count func(n int), each func(k, v []byte)) error {
	if len(b) == 0 || (len(b) == 1 && b[0] == 0) {
		count(0)
		return nil
	}
	if len(b) > MaxPairsBytes {
		return fmt.Errorf("%w: %d bytes exceed %d", ErrMalformedPairs, len(b), MaxPairsBytes)
	}
	if len(b) < 4 {
		return fmt.Errorf("%w: %d bytes cannot hold the count", ErrMalformedPairs, len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	if n > MaxPairs {
		return fmt.Errorf("%w: %d entries exceed %d", ErrMalformedPairs, n, MaxPairs)
	}
	if uint64(len(b)) < 4+8*uint64(n) {
		return fmt.Errorf("%w: %d entries need more than %d bytes", ErrMalformedPairs, n, len(b))
	}
	lens, data := b[4:4+8*n], b[4+8*n:]
	walk := func(each func(k, v []byte)) error {
		rest := data
		for i := range int(n) {
			var k, v []byte
			var err error
			if k, rest, err = takeTerminated(rest, binary.LittleEndian.Uint32(lens[8*i:])); err != nil {
				return fmt.Errorf("%w: key %d: %w", ErrMalformedPairs, i, err)
			}
			if v, rest, err = takeTerminated(rest, binary.LittleEndian.Uint32(lens[8*i+4:])); err != nil {
				return fmt.Errorf("%w: value %d: %w", ErrMalformedPairs, i, err)
			}
			if each != nil {
				each(k, v)
			}
		}
		if len(rest) != 0 {
			return fmt.Errorf("%w: %d trailing bytes", ErrMalformedPairs, len(rest))
		}
		return nil
	}
	if err := walk(nil); err != nil {
		return err
	}
	count(int(n))
	return walk(each)
}

// takeTerminated cuts n bytes plus their NUL terminator off the front of data.
func takeTerminated(data []byte, n uint32) ([]byte, []byte, error) {
	if uint64(n) >= uint64(len(data)) {
		return nil, nil, fmt.Errorf("length %d runs past the end (%d bytes left)", n, len(data))
	}
	if data[n] != 0 {
		return nil, nil, errors.New("missing NUL terminator")
	}
	return data[:n], data[n+1:], nil
}
