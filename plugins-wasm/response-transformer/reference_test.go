package responsetransformer_test

// The response-transformer is written in Rust (plugin.rs); this test holds it to a
// reference written in Go with encoding/json (the plugin's Go implementation before it
// moved), through a real gateway: every operation on any body, the same output byte
// for byte, or the body left alone where the reference refuses it.

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/weir-gateway/weir/host/plugintest"
	"github.com/weir-gateway/weir/plugins-wasm/internal/kongjson"
)

// operations is one configuration's json operations, as written in the plugin's config;
// an empty entry is an operation not configured (the schema refuses empty entries). The
// config lists every operation, empty ones too, since a PATCH merges it into the last.
type operations struct {
	Remove, Rename                   string
	Replace, Add, Append             string
	ReplaceType, AddType, AppendType string
}

func (o operations) config() map[string]any {
	c := map[string]any{}
	op := func(name, e, typ string) {
		m := map[string]any{"json": []string{}, "json_types": []string{}}
		if e != "" {
			m["json"] = []string{e}
		}
		if e != "" && typ != "" {
			m["json_types"] = []string{typ}
		}
		c[name] = m
	}
	op("remove", o.Remove, "")
	op("rename", o.Rename, "")
	op("replace", o.Replace, o.ReplaceType)
	op("add", o.Add, o.AddType)
	op("append", o.Append, o.AppendType)
	return c
}

// transform is the reference: the operations applied with encoding/json and a map, in
// Kong's order; ok is false when the body is not a JSON object.
func transform(o operations, body []byte) ([]byte, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return nil, false
	}
	truthy := func(name string) bool {
		v, ok := obj[name]
		return ok && string(bytes.TrimSpace(v)) != "false"
	}
	if o.Remove != "" {
		name, _ := kongjson.Split(o.Remove)
		delete(obj, name)
	}
	if old, to := kongjson.Split(o.Rename); o.Rename != "" && to != "" {
		if v, ok := obj[old]; ok {
			obj[to] = v
			delete(obj, old)
		}
	}
	if name, value := kongjson.Split(o.Replace); o.Replace != "" && truthy(name) {
		if v, ok := jsonValue(value, o.ReplaceType); ok {
			obj[name] = v
		}
	}
	if name, value := kongjson.Split(o.Add); o.Add != "" && !truthy(name) {
		if v, ok := jsonValue(value, o.AddType); ok {
			obj[name] = v
		}
	}
	if name, value := kongjson.Split(o.Append); o.Append != "" {
		if v, ok := jsonValue(value, o.AppendType); ok {
			obj[name] = kongjson.Append(obj[name], v)
		}
	}
	return kongjson.Encode(obj), true
}

// jsonValue turns a configured value into JSON as Kong does: cjson's escapes (quotes
// and slashes excepted), then the json_type cast; ok is false for an empty value or a
// number that does not parse.
func jsonValue(value, jsonType string) (json.RawMessage, bool) {
	if value == "" {
		return nil, false
	}
	var b strings.Builder
	for i := 0; i < len(value); i++ {
		switch c := value[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			b.WriteString(`\u00` + strconv.FormatUint(uint64(c>>4), 16) + strconv.FormatUint(uint64(c&15), 16))
		default:
			b.WriteByte(c)
		}
	}
	v := b.String()
	switch jsonType {
	case "number":
		n, ok := luaNumber(v)
		if !ok {
			return nil, false
		}
		if n == math.Trunc(n) && math.Abs(n) < 1e14 {
			return json.RawMessage(strconv.FormatInt(int64(n), 10)), true
		}
		return json.RawMessage(strconv.FormatFloat(n, 'g', 14, 64)), true
	case "boolean":
		return json.RawMessage(strconv.FormatBool(v == "true")), true
	}
	return kongjson.Encode(v), true
}

// luaNumber is Lua's tonumber: decimal or hexadecimal, spaces around, no inf or nan.
func luaNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	if h := strings.TrimPrefix(s, "-"); strings.HasPrefix(strings.ToLower(h), "0x") {
		u, err := strconv.ParseUint(h[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		if neg {
			return -float64(u), true
		}
		return float64(u), true
	}
	lower := strings.ToLower(s)
	if strings.Contains(lower, "inf") || strings.Contains(lower, "nan") || strings.Contains(lower, "_") {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil && !math.IsInf(n, 0)
}

// mirror answers every request with its own body as JSON.
func mirror(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func FuzzResponseTransformer(f *testing.F) {
	seeds := []struct {
		body string
		o    operations
	}{
		{`{"message":"hello","drop":true}`, operations{"drop", "a:b", "message:x", "served_by:weir", "l:1", "", "", ""}},
		{` {"a" : [1, 2], "b":false, "c":null, "a":"x"} `, operations{"zz", "a:a", "b:2", "b:true", "a:y", "number", "boolean", "string"}},
		{`{"é":{"k":1},"n":1.5e3,"s":"\u00e9"}`, operations{"é", "n:m", "s:0x10", "c:yes", "é:v", "number", "boolean", ""}},
		{`{"l":[ ],"o":{"b":1,"a":{"x":[true]}},"t":"\u2028<&>"}`, operations{"", "o:p", "t:1e20", "n:-0.000012345678901234", "p:<v>", "number", "number", "string"}},
		{`{"k":"v"}`, operations{"k", "", "k:x", "new:a\\b\tc\"d/", "new:\u007f", "", "string", ""}},
		{`{"big":123456789012345678901234567890,"f":1.0}`, operations{"", "big:f", "f:99999999999999.95", "g: 0x1F ", "f:3", "number", "number", "number"}},
		{`[1]`, operations{"a", "", "", "", "", "", "", ""}},
		{`{"a":1}garbage`, operations{"a", "", "", "", "", "", "", ""}},
		{``, operations{"a", "", "", "", "", "", "", ""}},
	}
	types := []string{"", "string", "number", "boolean"}
	kinds := func(o operations) uint8 { // the three json_types, two bits each
		return uint8(slices.Index(types, o.ReplaceType) | slices.Index(types, o.AddType)<<2 | slices.Index(types, o.AppendType)<<4)
	}
	for _, s := range seeds {
		o := s.o
		f.Add([]byte(s.body), o.Remove, o.Rename, o.Replace, o.Add, o.Append, kinds(o))
	}
	upstream := httptest.NewServer(http.HandlerFunc(mirror))
	f.Cleanup(upstream.Close)
	gw := plugintest.Start(f, plugintest.Options{UpstreamURL: upstream.URL})
	id, err := gw.Enable("response-transformer", map[string]any{"remove": map[string]any{"json": []string{"x"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, remove, rename, replace, add, appendEntry string, k uint8) {
		o := operations{remove, rename, replace, add, appendEntry, types[k&3], types[k>>2&3], types[k>>4&3]}
		for _, e := range []string{remove, rename, replace, add, appendEntry} {
			if !utf8.ValidString(e) {
				t.Skip("an entry JSON cannot carry to the Admin API as it is")
			}
		}
		if err := gw.Admin("PATCH", "/plugins/"+id, map[string]any{"config": o.config()}, nil); err != nil {
			t.Skipf("a config the Admin API refuses: %v", err)
		}
		r, err := gw.Send("POST", "/", body)
		if err != nil {
			t.Fatal(err)
		}
		want, ok := transform(o, body)
		if !ok || o == (operations{ReplaceType: o.ReplaceType, AddType: o.AddType, AppendType: o.AppendType}) {
			want = body // not an object, or nothing to do: left as it is
		}
		if r.Status != 200 || !bytes.Equal(r.Body, want) {
			t.Fatalf("%+v on %q: status %d, body %q; want %q", o, body, r.Status, r.Body, want)
		}
	})
}
