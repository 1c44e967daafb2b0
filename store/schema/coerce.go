package schema

import (
	"sort"
	"strconv"
	"strings"
)

// Coerce types the strings of a decoded form body against the schema, as Kong's
// arguments decoder does: "true"/"false" become booleans and numeric strings numbers
// where the schema wants them, a single value becomes a one-element array, and an
// object with keys "1", "2", ... (from `paths[1]=`) becomes an array. Values the schema
// does not describe are left as they are, for validation to report.
func (f *Field) Coerce(v any) any {
	if f == nil || v == nil {
		return v
	}
	switch f.Type {
	case TypeBoolean:
		if s, ok := v.(string); ok {
			switch strings.ToLower(s) {
			case "true":
				return true
			case "false":
				return false
			}
		}
	case TypeInteger, TypeNumber:
		if s, ok := v.(string); ok {
			if n, err := strconv.ParseFloat(s, 64); err == nil {
				return n
			}
		}
	case TypeArray, TypeSet:
		return f.coerceArray(v)
	case TypeRecord:
		return f.coerceRecord(v)
	case TypeMap:
		if m, ok := v.(map[string]any); ok {
			out := make(map[string]any, len(m))
			for k, el := range m {
				out[k] = f.Values.Coerce(el)
			}
			return out
		}
	}
	return v
}

func (f *Field) coerceArray(v any) any {
	var list []any
	switch t := v.(type) {
	case []any:
		list = t
	case map[string]any:
		indexed, ok := indexedList(t)
		if !ok {
			return v
		}
		list = indexed
	default:
		list = []any{v}
	}
	out := make([]any, len(list))
	for i, el := range list {
		out[i] = f.Elements.Coerce(el)
	}
	return out
}

func (f *Field) coerceRecord(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, el := range m {
		out[k] = f.Get(k).Coerce(el)
	}
	return out
}

// indexedList turns {"1": a, "2": b} into [a, b]; it refuses keys that are not
// consecutive positive integers.
func indexedList(m map[string]any) ([]any, bool) {
	idx := make([]int, 0, len(m))
	for k := range m {
		n, err := strconv.Atoi(k)
		if err != nil || n < 0 {
			return nil, false
		}
		idx = append(idx, n)
	}
	sort.Ints(idx)
	out := make([]any, 0, len(idx))
	for i, n := range idx {
		if n != idx[0]+i {
			return nil, false
		}
		out = append(out, m[strconv.Itoa(n)])
	}
	return out, true
}
