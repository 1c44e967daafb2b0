package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Limits on what a client may send.
const (
	// maxBodyBytes bounds any request body, wasm uploads included, unless
	// Options.MaxBodySize says otherwise (the limitBody middleware applies it).
	maxBodyBytes = 64 << 20
	// maxFormKeys bounds the number of form fields of one request.
	maxFormKeys = 1024
)

// errBadJSON is answered with Kong's {"message":"Cannot parse JSON body"}.
var errBadJSON = errors.New("Cannot parse JSON body")

// body is a decoded request body: the fields as a JSON-like tree, whether they came
// from a form (and so are strings to type against a schema), and uploaded files.
type body struct {
	fields map[string]any
	form   bool
	files  map[string][]byte
}

// readBody decodes a JSON, urlencoded or multipart body.
func readBody(r *http.Request) (*body, error) {
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("read form body: %w", err)
		}
		vals, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, fmt.Errorf("parse form body: %w", err)
		}
		fields, err := formTree(vals)
		return &body{fields: fields, form: true}, err
	case "multipart/form-data":
		return readMultipart(r, params["boundary"])
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return &body{fields: map[string]any{}}, nil
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, errBadJSON
	}
	return &body{fields: fields}, nil
}

func readMultipart(r *http.Request, boundary string) (*body, error) {
	if boundary == "" {
		return nil, fmt.Errorf("multipart body without boundary")
	}
	mr := multipart.NewReader(r.Body, boundary)
	vals := url.Values{}
	files := map[string][]byte{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read multipart body: %w", err)
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, fmt.Errorf("read multipart field %s: %w", part.FormName(), err)
		}
		if part.FileName() != "" {
			files[part.FormName()] = data
			continue
		}
		vals.Add(part.FormName(), string(data))
	}
	fields, err := formTree(vals)
	return &body{fields: fields, form: true, files: files}, err
}

// formTree nests form fields the way Kong's arguments decoder does: `a.b=1` and
// `a[b]=1` are nested objects, `a[]=x` appends, `a[2]=x` sets a position (kept as an
// object with numeric keys until the schema says it is an array), repeated keys make
// an array, and an empty value is null.
func formTree(vals url.Values) (map[string]any, error) {
	if len(vals) > maxFormKeys {
		return nil, fmt.Errorf("more than %d form fields", maxFormKeys)
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	root := map[string]any{}
	for _, k := range keys {
		path := splitKey(k)
		if len(path) == 0 || path[0] == "" {
			return nil, fmt.Errorf("form field without a name: %q", k)
		}
		var value any
		if vs := vals[k]; len(path) > 1 && path[len(path)-1] == "" {
			path = path[:len(path)-1]
			value = formValues(vs)
		} else if len(vs) == 1 {
			value = formValue(vs[0])
		} else {
			value = formValues(vs)
		}
		setPath(root, path, value)
	}
	return root, nil
}

// formValues keeps the non-empty values of an array field: `paths[]=` is an empty list.
func formValues(vs []string) []any {
	out := []any{}
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func formValue(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// splitKey splits `config.redis[host]` into [config redis host]; `paths[]` ends in "".
func splitKey(k string) []string {
	var out []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(k); i++ {
		switch k[i] {
		case '.':
			flush()
		case '[':
			flush()
			end := strings.IndexByte(k[i:], ']')
			if end < 0 {
				cur.WriteString(k[i:])
				i = len(k)
				continue
			}
			out = append(out, k[i+1:i+end])
			i += end
		default:
			cur.WriteByte(k[i])
		}
	}
	flush()
	if len(out) == 0 || out[0] == "" {
		return []string{k}
	}
	return out
}

// setPath stores value at path, creating the objects on the way.
func setPath(root map[string]any, path []string, value any) {
	node := root
	for _, seg := range path[:len(path)-1] {
		next, ok := node[seg].(map[string]any)
		if !ok {
			next = map[string]any{}
			node[seg] = next
		}
		node = next
	}
	node[path[len(path)-1]] = value
}
