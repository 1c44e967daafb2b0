package pipeline

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestFindCredentialArgsScan(t *testing.T) {
	tests := []struct {
		in   string
		fast bool // read without encoding/json
		want findCredentialArgs
	}{
		{`{"kind":"keyauth_credentials","field":"key","value":"k1","authenticate":true}`, true,
			findCredentialArgs{"keyauth_credentials", "key", "k1", true}},
		{` { "kind" : "a" , "value" : "ü" , "authenticate" : false } `, true, findCredentialArgs{Kind: "a", Value: "ü"}},
		{`{}`, true, findCredentialArgs{}},
		{`{"kind":"a","kind":"b"}`, true, findCredentialArgs{Kind: "b"}},
		{`{"value":"a\"b"}`, false, findCredentialArgs{Value: `a"b`}},
		{`{"Kind":"a"}`, false, findCredentialArgs{Kind: "a"}},
		{`{"kind":"a","extra":1}`, false, findCredentialArgs{Kind: "a"}},
		{`{"kind":null}`, false, findCredentialArgs{}},
		{`{"authenticate":"true"}`, false, findCredentialArgs{}},
		{`{"kind":"a"} x`, false, findCredentialArgs{}},
		{`{"kind":"a",}`, false, findCredentialArgs{}},
		{"{\"value\":\"\xff\"}", false, findCredentialArgs{Value: "\ufffd"}},
		{"{\"value\":\"ab\xc3\"}", false, findCredentialArgs{Value: "ab\ufffd"}},
		{"{\"value\":\"a\tb\"}", false, findCredentialArgs{}},
		{`{"value":""}`, true, findCredentialArgs{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var a findCredentialArgs
			if fast := a.scan([]byte(tt.in)); fast != tt.fast {
				t.Fatalf("fast path = %v, want %v", fast, tt.fast)
			}
			if tt.fast && a != tt.want {
				t.Fatalf("scanned %+v, want %+v", a, tt.want)
			}
		})
	}
}

// TestFindCredentialArgsCanonical: the SDKs' own bytes are read whole, anything else is
// left to scan.
func TestFindCredentialArgsCanonical(t *testing.T) {
	tests := []struct {
		in   string
		want *findCredentialArgs // nil: not read whole
	}{
		{`{"kind":"keyauth_credentials","field":"key","value":"k1","authenticate":true}`,
			&findCredentialArgs{"keyauth_credentials", "key", "k1", true}},
		{`{"kind":"keyauth_credentials","field":"key","value":"k1"}`, &findCredentialArgs{"keyauth_credentials", "key", "k1", false}},
		{`{"kind":"jwt_secrets","field":"key","value":"ü","authenticate":false}`, &findCredentialArgs{"jwt_secrets", "key", "ü", false}},
		{`{"kind":"basicauth_credentials","field":"username","value":""}`, &findCredentialArgs{"basicauth_credentials", "username", "", false}},
		{`{"kind":"keyauth_credentials","field":"key","value":"a\"b"}`, nil},
		{`{"kind":"keyauth_credentials","field":"key","value":"k1","authenticate":true} `, nil},
		{`{"kind":"keyauth_credentials","field":"key","value":"k1","authenticate":1}`, nil},
		{`{"kind":"keyauth_credentials","field":"key","value":"k1"`, nil},
		{`{"kind":"keyauth_credentials","field":"key","value":"`, nil},
		{`{"kind":"keyauth_credentials","field":"username","value":"k1"}`, nil},
		{`{"kind":"keyauth_credentials","field":"key","value":"k1","kind":"jwt_secrets"}`, nil},
		{"{\"kind\":\"keyauth_credentials\",\"field\":\"key\",\"value\":\"\xff\"}", nil},
		{` {"kind":"keyauth_credentials","field":"key","value":"k1"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var a findCredentialArgs
			whole := a.canonical([]byte(tt.in))
			if whole != (tt.want != nil) {
				t.Fatalf("read whole = %v, want %v", whole, tt.want != nil)
			}
			if whole && a != *tt.want {
				t.Fatalf("read %+v, want %+v", a, *tt.want)
			}
		})
	}
}

// FuzzFindCredentialArgsScan: whatever the fast path accepts, encoding/json accepts
// and reads the same way.
func FuzzFindCredentialArgsScan(f *testing.F) {
	for _, s := range []string{
		`{"kind":"keyauth_credentials","field":"key","value":"k1","authenticate":true}`,
		`{"kind":"a","kind":"b"}`, `{}`, ` {"value" : "x" } `, `{"authenticate":false}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, whole findCredentialArgs
		if whole.canonical(b) {
			if !fast.scan(b) || whole != fast {
				t.Fatalf("%q: read whole as %+v, member by member as %+v", b, whole, fast)
			}
		}
		if !fast.scan(b) {
			return
		}
		var slow findCredentialArgs
		if err := json.Unmarshal(b, &slow); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json refuses it: %v", b, err)
		}
		if fast != slow {
			t.Fatalf("%q: fast %+v, encoding/json %+v", b, fast, slow)
		}
	})
}

// TestPlainRun: the eight-bytes-at-a-time scan stops where a byte-at-a-time one does,
// for every byte value at every position of inputs around the blocks, from every start.
func TestPlainRun(t *testing.T) {
	naive := func(b []byte, j int) int {
		for ; j < len(b); j++ {
			if c := b[j]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
				return j
			}
		}
		return len(b)
	}
	for n := range 20 {
		for pos := range n {
			for c := range 256 {
				b := bytes.Repeat([]byte("a"), n)
				b[pos] = byte(c)
				if n > 2 {
					b[n-1] = '"' // a later stop must not hide the first
				}
				for from := 0; from <= n; from++ {
					if got, want := plainRun(b, from), naive(b, from); got != want {
						t.Fatalf("%q from %d: %d, want %d", b, from, got, want)
					}
				}
			}
		}
	}
}
