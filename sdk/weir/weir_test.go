package weir

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// fakeHost answers foreign functions from a table and records the calls.
func fakeHost(t *testing.T, answers map[string]string) *[]string {
	t.Helper()
	var calls []string
	old := callForeignInto
	callForeignInto = func(name string, args, dst []byte) ([]byte, error) {
		calls = append(calls, name+" "+string(args))
		res, ok := answers[name]
		if !ok {
			return dst, types.ErrorStatusNotFound
		}
		return append(dst, res...), nil
	}
	t.Cleanup(func() { callForeignInto = old })
	return &calls
}

func TestFindCredential(t *testing.T) {
	tests := []struct {
		name     string
		answer   string
		wantCred string
		wantCons string
	}{
		{name: "found", answer: `{"found":true,"credential":{"id":"c1","key":"k","consumer":{"id":"u1"}},"consumer":{"id":"u1","username":"alice","custom_id":null}}`,
			wantCred: "c1", wantCons: "u1"},
		{name: "not found", answer: `{"found":false}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := fakeHost(t, map[string]string{fnFindCredential: tt.answer})
			cred, cons, err := FindCredential("keyauth_credentials", "key", "k")
			if err != nil {
				t.Fatalf("FindCredential: %v", err)
			}
			want := []string{`weir.find_credential {"kind":"keyauth_credentials","field":"key","value":"k"}`}
			if !reflect.DeepEqual(*calls, want) {
				t.Fatalf("calls = %q, want %q", *calls, want)
			}
			if tt.wantCred == "" {
				if cred != nil || cons != nil {
					t.Fatalf("got %v %v, want nothing", cred, cons)
				}
				return
			}
			if cred.ID != tt.wantCred || cons.ID != tt.wantCons || cred.Consumer.ID != tt.wantCons {
				t.Fatalf("got credential %+v consumer %+v", cred, cons)
			}
			var raw map[string]any
			if err := json.Unmarshal(cred.Raw, &raw); err != nil || raw["key"] != "k" {
				t.Fatalf("Raw = %s, want the whole entity", cred.Raw)
			}
		})
	}
}

func TestFindConsumerAndAuthenticate(t *testing.T) {
	calls := fakeHost(t, map[string]string{fnFindConsumer: `{"found":true,"consumer":{"id":"u2","username":"anon"}}`, fnAuthenticate: ""})
	cons, err := FindConsumer("anon")
	if err != nil || cons.ID != "u2" || *cons.Username != "anon" {
		t.Fatalf("FindConsumer = %+v, %v", cons, err)
	}
	if err := Authenticate("u2", "", true); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	want := []string{`weir.find_consumer {"id_or_username":"anon"}`,
		`weir.authenticate {"consumer_id":"u2","credential_id":"","anonymous":true}`}
	if !reflect.DeepEqual(*calls, want) {
		t.Fatalf("calls = %q, want %q", *calls, want)
	}
}

func TestForeignFunctionMissingIsAnError(t *testing.T) {
	fakeHost(t, nil)
	if _, err := FindConsumer("x"); !errors.Is(err, types.ErrorStatusNotFound) {
		t.Fatalf("err = %v, want ErrorStatusNotFound wrapped", err)
	}
}

func TestExit(t *testing.T) {
	var got struct {
		status  uint32
		headers [][2]string
		body    string
	}
	old := sendResponse
	sendResponse = func(s uint32, h [][2]string, b []byte, _ int32) error {
		got.status, got.headers, got.body = s, h, string(b)
		return nil
	}
	t.Cleanup(func() { sendResponse = old })
	Exit(401, map[string]string{"message": "Unauthorized"}, [2]string{"www-authenticate", "Key"})
	wantHeaders := [][2]string{{"content-type", "application/json; charset=utf-8"}, {"www-authenticate", "Key"}}
	if got.status != 401 || got.body != `{"message":"Unauthorized"}` || !reflect.DeepEqual(got.headers, wantHeaders) {
		t.Fatalf("Exit sent %+v", got)
	}
}
