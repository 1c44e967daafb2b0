package abi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"testing"
)

func TestEncodePairsMatchesSpecBytes(t *testing.T) {
	// The spec's worked example, with the byte values corrected (see the ABI reference).
	want := []byte{2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
		'a', 0, '1', 0, 'b', 0, '2', '2', 0}
	got := EncodePairs([][2]string{{"a", "1"}, {"b", "22"}})
	if !bytes.Equal(got, want) {
		t.Fatalf("EncodePairs = %v, want %v", got, want)
	}
}

// TestAppendEncodedPairs: appending keeps what dst held and lays the pairs out as
// EncodePairs does, for maps of every size up to a few fields.
func TestAppendEncodedPairs(t *testing.T) {
	maps := [][][2]string{nil, {{"a", ""}}, {{"", "v"}, {"key", "value"}}, {{"x", "1"}, {"y", "22"}, {"z", "333"}}}
	for _, m := range maps {
		for _, prefix := range []string{"", "kept"} {
			got := AppendEncodedPairs([]byte(prefix), m)
			want := append([]byte(prefix), EncodePairs(m)...)
			if !bytes.Equal(got, want) {
				t.Errorf("%q after %q: got %q, want %q", m, prefix, got, want)
			}
			decoded, err := DecodePairs(got[len(prefix):])
			if err != nil || len(decoded) != len(m) {
				t.Errorf("%q: decoded %q, %v", m, decoded, err)
			}
		}
	}
}

func TestDecodePairs(t *testing.T) {
	tooMany := make([]byte, 4)
	binary.LittleEndian.PutUint32(tooMany, MaxPairs+1)
	tests := []struct {
		name    string
		in      []byte
		want    [][2]string
		wantErr bool
	}{
		{name: "no bytes is empty", in: nil},
		{name: "one NUL is empty", in: []byte{0}},
		{name: "zero count is empty", in: []byte{0, 0, 0, 0}, want: [][2]string{}},
		{name: "round trip", in: EncodePairs([][2]string{{":path", "/a?b=c"}, {"x", ""}}),
			want: [][2]string{{":path", "/a?b=c"}, {"x", ""}}},
		{name: "short count", in: []byte{1, 0}, wantErr: true},
		{name: "count past data", in: []byte{3, 0, 0, 0, 1, 0, 0, 0}, wantErr: true},
		{name: "too many entries", in: tooMany, wantErr: true},
		{name: "key length past end", in: []byte{1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 'a', 0, 0}, wantErr: true},
		{name: "huge length wraps", in: []byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 'a', 0, 0}, wantErr: true},
		{name: "missing NUL", in: []byte{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 'a', 'x', 'b', 0}, wantErr: true},
		{name: "trailing bytes", in: append(EncodePairs([][2]string{{"a", "b"}}), 7), wantErr: true},
		{name: "zero count, then bytes", in: []byte{0, 0, 0, 0, 7}, wantErr: true},
		{name: "over byte limit", in: make([]byte, MaxPairsBytes+1), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodePairs(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrMalformedPairs) {
					t.Fatalf("DecodePairs error = %v, want ErrMalformedPairs", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodePairs: %v", err)
			}
			if len(got) != len(tt.want) || (len(got) > 0 && !reflect.DeepEqual(got, tt.want)) {
				t.Fatalf("DecodePairs = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzDecodePairs checks that no input panics the decoder and that whatever it accepts
// re-encodes to the same bytes (the format has exactly one spelling per map), and
// that the one-pass appendPairs accepts what it accepts and reads the same fields.
func FuzzDecodePairs(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add(EncodePairs([][2]string{{"a", "1"}, {"b", "22"}}))
	f.Add([]byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		pairs, err := DecodePairs(in)
		appended, appendErr := appendPairs([][2]string{{"kept", "1"}}, in, &nameCache{})
		if (err == nil) != (appendErr == nil) {
			t.Fatalf("%q: DecodePairs error %v, appendPairs error %v", in, err, appendErr)
		}
		if err == nil {
			want := [][2]string{{"kept", "1"}}
			for _, p := range pairs {
				want = append(want, [2]string{HeaderName([]byte(p[0])), p[1]})
			}
			if !slices.Equal(appended, want) {
				t.Fatalf("%q: appendPairs read %q, want %q", in, appended, want)
			}
		}
		if err != nil || len(in) <= 1 {
			return
		}
		if again := EncodePairs(pairs); !bytes.Equal(again, in) {
			t.Fatalf("re-encoding %q gave %v, want %v", pairs, again, in)
		}
	})
}
