package schema_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/weir-gateway/weir/store/schema"
)

const sample = `{"type": "record", "required": true, "fields": [
 {"names": {"type": "array", "required": true, "default": ["apikey"], "len_min": 1, "elements": {"type": "string", "match": "^[a-z]+$"}}},
 {"mode": {"type": "string", "default": "a", "one_of": ["a", "b"]}},
 {"count": {"type": "integer", "between": [1, 10]}},
 {"ratio": {"type": "number", "gt": 0}},
 {"flag": {"type": "boolean", "required": true, "default": false}},
 {"tags": {"type": "set", "elements": {"type": "string"}}},
 {"headers": {"type": "map", "keys": {"type": "string"}, "values": {"type": "string", "len_max": 3}}},
 {"redis": {"type": "record", "required": true, "fields": [{"port": {"type": "integer", "default": 6379}}]}},
 {"anything": {"type": "json"}}
]}`

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func encode(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestProcess(t *testing.T) {
	f := schema.MustParse(sample)
	tests := []struct {
		name, in, out, errs string
	}{
		{"defaults fill an empty record", `{}`,
			`{"anything":null,"count":null,"flag":false,"headers":null,"mode":"a","names":["apikey"],"ratio":null,"redis":{"port":6379},"tags":null}`, ``},
		{"null takes the default", `{"names":null,"mode":null}`,
			`{"anything":null,"count":null,"flag":false,"headers":null,"mode":"a","names":["apikey"],"ratio":null,"redis":{"port":6379},"tags":null}`, ``},
		{"sets drop duplicates", `{"tags":["x","x","y"]}`, ``, ``},
		{"json passes through", `{"anything":{"a":[1,{"b":null}]}}`, ``, ``},
		{"type errors", `{"count":1.5,"ratio":"x","flag":"yes","names":"a","redis":3,"headers":[]}`, ``,
			`{"count":"expected an integer","flag":"expected a boolean","headers":"expected a map","names":"expected an array","ratio":"expected a number","redis":"expected a record"}`},
		{"constraints", `{"count":11,"ratio":0,"mode":"c","names":[],"headers":{"k":"long"}}`, ``,
			`{"count":"value should be between 1 and 10","headers":{"k":"length must be at most 3"},"mode":"expected one of: a, b","names":"length must be at least 1","ratio":"value must be greater than 0"}`},
		{"element errors keep their position", `{"names":["ok","BAD"]}`, ``, `{"names":[null,"invalid value: BAD"]}`},
		{"empty string", `{"mode":""}`, ``, `{"mode":"length must be at least 1"}`},
		{"unknown field", `{"nope":1,"redis":{"x":1}}`, ``, `{"nope":"unknown field","redis":{"x":"unknown field"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errs := f.Process(decode(t, tc.in))
			if tc.errs != "" {
				if got := encode(errs); got != encode(decode(t, tc.errs)) {
					t.Fatalf("errors %s, want %s", got, tc.errs)
				}
				return
			}
			if errs != nil {
				t.Fatalf("unexpected errors %s", encode(errs))
			}
			if tc.out != "" && encode(out) != encode(decode(t, tc.out)) {
				t.Fatalf("got %s, want %s", encode(out), tc.out)
			}
		})
	}
}

func TestDefaultsAreNotShared(t *testing.T) {
	f := schema.MustParse(sample)
	a, _ := f.Process(map[string]any{})
	a.(map[string]any)["names"].([]any)[0] = "changed"
	b, _ := f.Process(map[string]any{})
	if b.(map[string]any)["names"].([]any)[0] != "apikey" {
		t.Fatal("a default was modified through an entity")
	}
}

func TestCoerce(t *testing.T) {
	f := schema.MustParse(sample)
	tests := []struct{ name, in, out string }{
		{"booleans and numbers", `{"flag":"true","count":"3","ratio":"0.5"}`, `{"count":3,"flag":true,"ratio":0.5}`},
		{"single value to array", `{"names":"a"}`, `{"names":["a"]}`},
		{"indexed object to array", `{"names":{"2":"b","1":"a"}}`, `{"names":["a","b"]}`},
		{"nested record", `{"redis":{"port":"6380"}}`, `{"redis":{"port":6380}}`},
		{"unknown kept for validation", `{"nope":"1","flag":"maybe"}`, `{"flag":"maybe","nope":"1"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := encode(f.Coerce(decode(t, tc.in))); got != encode(decode(t, tc.out)) {
				t.Fatalf("got %s, want %s", got, tc.out)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	f := schema.MustParse(sample)
	got := f.Merge(decode(t, `{"names":["a","b"],"redis":{"port":1},"headers":{"x":"1"}}`),
		decode(t, `{"names":["c"],"redis":{},"headers":{"y":"2"}}`))
	if want := `{"headers":{"y":"2"},"names":["c"],"redis":{"port":1}}`; encode(got) != want {
		t.Fatalf("got %s, want %s", encode(got), want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"unknown type":           `{"type":"strin"}`,
		"array without elements": `{"type":"array"}`,
		"bad regexp":             `{"type":"string","match":"("}`,
		"bad default":            `{"type":"integer","default":"x"}`,
		"two keys per field":     `{"type":"record","fields":[{"a":{"type":"string"},"b":{"type":"string"}}]}`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			var f schema.Field
			if err := json.Unmarshal([]byte(doc), &f); !errors.Is(err, schema.ErrInvalidSchema) {
				t.Fatalf("got %v, want ErrInvalidSchema", err)
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	f := schema.MustParse(sample)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var again schema.Field
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(&again)
	if string(b) != string(b2) {
		t.Fatalf("round trip differs:\n%s\n%s", b, b2)
	}
}
