package weir

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// slowFound is what encoding/json makes of a find result: the reference the light
// decoder must agree with.
func slowFound(b []byte) (found bool, cred *Credential, consumer *Consumer, err error) {
	var res struct {
		Found      bool        `json:"found"`
		Credential *Credential `json:"credential"`
		Consumer   *Consumer   `json:"consumer"`
	}
	err = json.Unmarshal(b, &res)
	return res.Found, res.Credential, res.Consumer, err
}

func TestDecodeFound(t *testing.T) {
	tests := []string{
		`{"found":false}`,
		`{"found":true,"credential":{"id":"c1","created_at":1700000000,"consumer":{"id":"u1"},"key":"k","ttl":null,"tags":null},` +
			`"consumer":{"id":"u1","created_at":1,"updated_at":2,"username":"bench","custom_id":null,"tags":["a","b"]}}`,
		` { "found" : true , "consumer" : { "id" : "u\u00e9\n\"q\"" , "username" : "\ud83d\ude00" , "tags" : [ ] } } `,
		`{"found":true,"credential":{"id":"c","consumer":null,"nested":{"a":[1,{"b":"}"}]}},"consumer":null}`,
	}
	for _, doc := range tests {
		found, cred, consumer, ok := decodeFound([]byte(doc))
		if !ok {
			t.Fatalf("not decoded: %s", doc)
		}
		wf, wc, wu, err := slowFound([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if found != wf || !reflect.DeepEqual(cred, wc) || !reflect.DeepEqual(consumer, wu) {
			t.Errorf("%s:\n got %v %+v %+v\nwant %v %+v %+v", doc, found, cred, consumer, wf, wc, wu)
		}
	}
	for _, bad := range []string{``, `[]`, `{"found":1}`, `{"found":true,"consumer":{"id":5}}`, `{"found":true`, `{"consumer":{"tags":[1]}}`} {
		if _, _, _, ok := decodeFound([]byte(bad)); ok {
			t.Errorf("decoded %q, want a fallback to encoding/json", bad)
		}
	}
}

// Whatever the light decoder accepts of a valid document, it reads as encoding/json.
func FuzzDecodeFound(f *testing.F) {
	f.Add([]byte(`{"found":true,"credential":{"id":"c1","consumer":{"id":"u1"}},"consumer":{"id":"u1","username":"a","custom_id":null,"tags":["x"]}}`))
	f.Add([]byte(`{"found":false}`))
	f.Add([]byte(`{"found":true,"consumer":{"id":"\u00e9\ud83d\ude00\\\"","tags":null}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		found, cred, consumer, ok := decodeFound(b)
		wf, wc, wu, err := slowFound(b)
		if !ok || err != nil {
			return
		}
		if found != wf || !reflect.DeepEqual(cred, wc) || !reflect.DeepEqual(consumer, wu) {
			t.Errorf("%q:\n got %v %+v %+v\nwant %v %+v %+v", b, found, cred, consumer, wf, wc, wu)
		}
	})
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"b\s`, "\x00\x1f\n\t", "é😀", "<&>", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if err := json.Unmarshal(appendString(nil, s), &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON: %v", s, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("%q came back as %q", s, back)
		}
	})
}

func TestAppendString(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", `""`},
		{"key-1", `"key-1"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"x\ny\x01", `"x\u000ay\u0001"`},
		{"é😀z", `"é😀z"`},
		{"a\xffb\xc3", `"a\ufffdb\ufffd"`},
	} {
		if got := string(appendString([]byte("prefix"), tt.in)); got != "prefix"+tt.want {
			t.Errorf("appendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
