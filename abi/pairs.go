package abi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"unsafe"
)

// ErrMalformedPairs says a serialized header map from a guest is not in the ABI's
// format or breaks a limit in limits.go.
var ErrMalformedPairs = errors.New("malformed header pairs")

// EncodePairs serializes a header map as the ABI lays it out (little-endian):
// u32 count, count × (u32 key length, u32 value length), then each key and value
// followed by a NUL byte. An empty map is a single u32 zero.
func EncodePairs(pairs [][2]string) []byte {
	return AppendEncodedPairs(nil, pairs)
}

// AppendEncodedPairs appends pairs to dst as EncodePairs lays them out, growing dst
// once: the host encodes a map a guest reads into a buffer it keeps.
func AppendEncodedPairs(dst []byte, pairs [][2]string) []byte {
	size := 4 + 8*len(pairs)
	for _, p := range pairs {
		size += len(p[0]) + len(p[1]) + 2
	}
	start := len(dst)
	dst = slices.Grow(dst, size)[:start+size]
	out := dst[start:]
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
	return dst
}

// DecodePairs parses a serialized header map. It accepts the two empty forms the spec
// allows (no bytes, or one NUL byte) and rejects anything over MaxPairsBytes or
// MaxPairs entries, a missing NUL terminator, and trailing bytes, as cpp-host does:
// a guest must not be able to make the host read past what it declared.
func DecodePairs(b []byte) ([][2]string, error) {
	n, lens, rest, err := pairsLayout(b)
	if err != nil {
		return nil, err
	}
	var pairs [][2]string
	if n > 0 {
		pairs = make([][2]string, 0, n)
	}
	for i := range n {
		var k, v []byte
		if k, v, rest, err = pairAt(lens, rest, i); err != nil {
			return nil, err
		}
		pairs = append(pairs, [2]string{string(k), string(v)})
	}
	if err := trailing(rest); err != nil {
		return nil, err
	}
	return pairs, nil
}

// appendPairs appends b's fields to fields, their names as names.name makes them and
// their values sharing b's bytes; on an error what it appended is to be dropped. It
// is DecodePairs without the copies, for weir.set_header_values (every request of
// rate-limiting).
func appendPairs(fields [][2]string, b []byte, names *nameCache) ([][2]string, error) {
	n, lens, rest, err := pairsLayout(b)
	if err != nil {
		return fields, err
	}
	for i := range n {
		var k, v []byte
		if k, v, rest, err = pairAt(lens, rest, i); err != nil {
			return fields, err
		}
		fields = append(fields, [2]string{names.name(k), unsafe.String(unsafe.SliceData(v), len(v))})
	}
	return fields, trailing(rest)
}

// pairsLayout checks a serialized map's count and sizes and splits it into the
// lengths and the data; an empty map (either empty form) has n 0.
func pairsLayout(b []byte) (n int, lens, data []byte, err error) {
	if len(b) == 0 || (len(b) == 1 && b[0] == 0) {
		return 0, nil, nil, nil
	}
	if len(b) > MaxPairsBytes {
		return 0, nil, nil, fmt.Errorf("%w: %d bytes exceed %d", ErrMalformedPairs, len(b), MaxPairsBytes)
	}
	if len(b) < 4 {
		return 0, nil, nil, fmt.Errorf("%w: %d bytes cannot hold the count", ErrMalformedPairs, len(b))
	}
	count := binary.LittleEndian.Uint32(b)
	if count > MaxPairs {
		return 0, nil, nil, fmt.Errorf("%w: %d entries exceed %d", ErrMalformedPairs, count, MaxPairs)
	}
	if uint64(len(b)) < 4+8*uint64(count) {
		return 0, nil, nil, fmt.Errorf("%w: %d entries need more than %d bytes", ErrMalformedPairs, count, len(b))
	}
	return int(count), b[4 : 4+8*count], b[4+8*count:], nil
}

// pairAt cuts entry i's key and value (lengths from lens) off the front of data.
func pairAt(lens, data []byte, i int) (k, v, rest []byte, err error) {
	if k, rest, err = takeTerminated(data, binary.LittleEndian.Uint32(lens[8*i:])); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: key %d: %w", ErrMalformedPairs, i, err)
	}
	if v, rest, err = takeTerminated(rest, binary.LittleEndian.Uint32(lens[8*i+4:])); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: value %d: %w", ErrMalformedPairs, i, err)
	}
	return k, v, rest, nil
}

// trailing refuses bytes left after the last entry.
func trailing(rest []byte) error {
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformedPairs, len(rest))
	}
	return nil
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
