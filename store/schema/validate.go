package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Messages Kong's schema validator uses; clients match on them.
const (
	msgRequired = "required field missing"
	msgUnknown  = "unknown field"
)

// Process fills defaults into v and validates it. It returns the completed value and,
// when v is invalid, its errors: a string for a leaf, a map[string]any for a record
// (field name to error) or a []any for an array (nil where an element is valid).
// v is not modified.
func (f *Field) Process(v any) (any, any) {
	if v == nil {
		return f.missing()
	}
	switch f.Type {
	case TypeRecord:
		return f.processRecord(v)
	case TypeForeign:
		return f.processForeign(v)
	case TypeArray, TypeSet:
		return f.processArray(v)
	case TypeMap:
		return f.processMap(v)
	case TypeJSON:
		v = deepCopy(v)
		if msg := f.check(v); msg != "" {
			return nil, msg
		}
		return v, nil
	}
	val, msg := f.processScalar(v)
	if msg != "" {
		return nil, msg
	}
	return val, nil
}

// missing answers for an absent or null value: the default, a record built from its
// fields' defaults when the record is required, an error, or null.
func (f *Field) missing() (any, any) {
	if f.HasDefault {
		return deepCopy(f.Default), nil
	}
	if f.Type == TypeRecord && f.Required {
		return f.processRecord(map[string]any{})
	}
	if f.Required {
		return nil, msgRequired
	}
	return nil, nil
}

func (f *Field) processRecord(v any) (any, any) {
	in, ok := v.(map[string]any)
	if !ok {
		return nil, "expected a record"
	}
	out := make(map[string]any, len(f.Fields))
	errs := map[string]any{}
	for k := range in {
		if f.Get(k) == nil {
			errs[k] = msgUnknown
		}
	}
	for _, nf := range f.Fields {
		val, err := nf.Process(in[nf.Name])
		if err != nil {
			errs[nf.Name] = err
			continue
		}
		out[nf.Name] = val
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if msg := f.check(out); msg != "" {
		return nil, msg
	}
	return out, nil
}

func (f *Field) processForeign(v any) (any, any) {
	in, ok := v.(map[string]any)
	if !ok {
		return nil, "expected a record"
	}
	id, _ := in["id"].(string)
	if len(in) != 1 || !IsUUID(id) {
		return nil, map[string]any{"id": "expected a valid UUID"}
	}
	return map[string]any{"id": id}, nil
}

func (f *Field) processArray(v any) (any, any) {
	in, ok := v.([]any)
	if !ok {
		if f.Type == TypeSet {
			return nil, "expected a set"
		}
		return nil, "expected an array"
	}
	out := make([]any, 0, len(in))
	var errs []any
	seen := map[string]bool{}
	for i, el := range in {
		val, err := f.Elements.Process(el)
		if err == nil && val == nil {
			err = msgRequired
		}
		if err != nil {
			for len(errs) < i {
				errs = append(errs, nil)
			}
			errs = append(errs, err)
			continue
		}
		if f.Type == TypeSet {
			key := canonical(val)
			if seen[key] {
				continue
			}
			seen[key] = true
		}
		out = append(out, val)
	}
	if errs != nil {
		return nil, errs
	}
	if msg := f.checkLen(len(out)); msg != "" {
		return nil, msg
	}
	if msg := f.check(out); msg != "" {
		return nil, msg
	}
	return out, nil
}

func (f *Field) processMap(v any) (any, any) {
	in, ok := v.(map[string]any)
	if !ok {
		return nil, "expected a map"
	}
	out := make(map[string]any, len(in))
	errs := map[string]any{}
	for k, el := range in {
		if _, err := f.Keys.Process(k); err != nil {
			errs[k] = err
			continue
		}
		val, err := f.Values.Process(el)
		if err != nil {
			errs[k] = err
			continue
		}
		out[k] = val
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if msg := f.check(out); msg != "" {
		return nil, msg
	}
	return out, nil
}

// processScalar validates a string, boolean, integer or number.
func (f *Field) processScalar(v any) (any, string) {
	switch f.Type {
	case TypeString:
		s, ok := v.(string)
		if !ok {
			return nil, "expected a string"
		}
		if msg := f.checkString(s); msg != "" {
			return nil, msg
		}
	case TypeBoolean:
		if _, ok := v.(bool); !ok {
			return nil, "expected a boolean"
		}
	case TypeInteger, TypeNumber:
		n, ok := toFloat(v)
		if !ok {
			return nil, map[string]string{TypeInteger: "expected an integer", TypeNumber: "expected a number"}[f.Type]
		}
		if f.Type == TypeInteger && n != math.Trunc(n) {
			return nil, "expected an integer"
		}
		if msg := f.checkNumber(n); msg != "" {
			return nil, msg
		}
		v = n
	}
	if msg := f.checkOneOf(v); msg != "" {
		return nil, msg
	}
	return v, f.check(v)
}

func (f *Field) checkString(s string) string {
	if !utf8.ValidString(s) {
		return "invalid utf-8 character sequence"
	}
	// Kong rejects empty strings unless the schema sets len_min = 0.
	min := 1
	if f.LenMin != nil {
		min = *f.LenMin
	}
	n := utf8.RuneCountInString(s)
	if n < min {
		return fmt.Sprintf("length must be at least %d", min)
	}
	if f.LenMax != nil && n > *f.LenMax {
		return fmt.Sprintf("length must be at most %d", *f.LenMax)
	}
	if f.match != nil && !f.match.MatchString(s) {
		return "invalid value: " + s
	}
	return ""
}

func (f *Field) checkNumber(n float64) string {
	if f.Between != nil && (n < f.Between[0] || n > f.Between[1]) {
		return fmt.Sprintf("value should be between %s and %s", num(f.Between[0]), num(f.Between[1]))
	}
	if f.Gt != nil && n <= *f.Gt {
		return "value must be greater than " + num(*f.Gt)
	}
	return ""
}

func (f *Field) checkLen(n int) string {
	if f.LenMin != nil && n < *f.LenMin {
		return fmt.Sprintf("length must be at least %d", *f.LenMin)
	}
	if f.LenMax != nil && n > *f.LenMax {
		return fmt.Sprintf("length must be at most %d", *f.LenMax)
	}
	return ""
}

func (f *Field) checkOneOf(v any) string {
	if len(f.OneOf) == 0 {
		return ""
	}
	names := make([]string, len(f.OneOf))
	for i, o := range f.OneOf {
		if canonical(o) == canonical(v) {
			return ""
		}
		names[i] = fmt.Sprint(o)
	}
	return "expected one of: " + strings.Join(names, ", ")
}

func (f *Field) check(v any) string {
	if f.Check == nil {
		return ""
	}
	return f.Check(v)
}

// toFloat accepts the numeric types a decoder or a Go caller may hand over.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// num prints a bound the way Kong does: integers without a decimal point.
func num(n float64) string {
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// canonical is a comparable form of a JSON value, for sets and one_of.
func canonical(v any) string {
	if n, ok := toFloat(v); ok {
		return num(n)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// deepCopy copies a JSON value so a default is never shared between entities.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, el := range t {
			out[k] = deepCopy(el)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, el := range t {
			out[i] = deepCopy(el)
		}
		return out
	}
	return v
}

// IsUUID reports whether s is a UUID in its canonical textual form.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
