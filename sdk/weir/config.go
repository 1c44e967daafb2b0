package weir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// ConfigError is a configuration that does not decode or validate. Field is the
// field's JSON path (`limits.minute`), empty for the whole document.
type ConfigError struct {
	Field string
	Msg   string
}

func (e *ConfigError) Error() string {
	if e.Field == "" {
		return "config: " + e.Msg
	}
	return fmt.Sprintf("config.%s: %s", e.Field, e.Msg)
}

// Validator is implemented by a configuration type that checks more than its tags can
// say (one field depending on another). Validate runs after defaults and tag checks.
type Validator interface {
	Validate() error
}

// DecodeConfig decodes a plugin's JSON configuration into a C, a struct whose fields
// carry json tags and two more:
//
//	default:"..."   the value of a field the JSON leaves absent, null or, for a list or
//	                map, empty. A string field takes the text as it is; any other type
//	                takes it as JSON: default:"true", default:"60", default:"[\"apikey\"]".
//	validate:"..."  comma-separated rules, checked after defaults:
//	                required   the JSON must give a value (or the field has a default)
//	                min=N      a number at least N; a string, list or map at least N long
//	                max=N      likewise at most N
//	                oneof=a|b  a string (or every string of a list) is one of these
//
// Nested struct fields are decoded the same way, and a C (or nested struct) that
// implements Validator is asked last: check patterns there (there is no regexp rule
// because package regexp adds about 0.5 MB to every module that links it). Unknown JSON keys are ignored, as the Admin API
// has already checked the config against the plugin's schema. Empty input means every
// default. Errors are *ConfigError naming the field.
func DecodeConfig[C any](raw []byte) (C, error) {
	var c C
	v := reflect.ValueOf(&c).Elem()
	if v.Kind() != reflect.Struct {
		return c, &ConfigError{Msg: fmt.Sprintf("%T is not a struct", c)}
	}
	if err := decodeStruct(v, raw, ""); err != nil {
		return c, err
	}
	return c, nil
}

// decodeStruct decodes raw into the struct v, then applies its fields' tags.
func decodeStruct(v reflect.Value, raw []byte, prefix string) error {
	raw = bytes.TrimSpace(raw)
	var given map[string]json.RawMessage
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if err := json.Unmarshal(raw, &given); err != nil {
			return &ConfigError{Field: strings.TrimSuffix(prefix, "."), Msg: "expected a JSON object"}
		}
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			return typeError(prefix, err)
		}
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := jsonName(f)
		if !f.IsExported() || name == "" {
			continue
		}
		val, ok := lookup(given, name)
		ok = ok && !bytes.Equal(bytes.TrimSpace(val), []byte("null"))
		if err := applyField(v.Field(i), f, val, ok, prefix+name); err != nil {
			return err
		}
	}
	if val, ok := v.Addr().Interface().(Validator); ok {
		if err := val.Validate(); err != nil {
			return &ConfigError{Field: strings.TrimSuffix(prefix, "."), Msg: err.Error()}
		}
	}
	return nil
}

// applyField fills a default, recurses into a nested struct and checks the rules.
func applyField(fv reflect.Value, f reflect.StructField, raw json.RawMessage, given bool, path string) error {
	if def, ok := f.Tag.Lookup("default"); ok && (!given || emptyList(fv)) {
		if err := setDefault(fv, def); err != nil {
			return &ConfigError{Field: path, Msg: fmt.Sprintf("bad default %q: %v", def, err)}
		}
		given = true
	}
	if fv.Kind() == reflect.Struct {
		if err := decodeStruct(fv, raw, path+"."); err != nil {
			return err
		}
	}
	rules := f.Tag.Get("validate")
	if rules == "" {
		return nil
	}
	for _, rule := range strings.Split(rules, ",") {
		if msg := check(fv, strings.TrimSpace(rule), given); msg != "" {
			return &ConfigError{Field: path, Msg: msg}
		}
	}
	return nil
}

// check applies one rule; "" means it holds.
func check(v reflect.Value, rule string, given bool) string {
	name, arg, _ := strings.Cut(rule, "=")
	switch name {
	case "required":
		if !given {
			return "required field missing"
		}
	case "min", "max":
		n, err := strconv.ParseFloat(arg, 64)
		if err != nil {
			return fmt.Sprintf("bad rule %q", rule)
		}
		return checkBound(v, name == "min", n)
	case "oneof":
		return eachString(v, func(s string) string {
			for _, o := range strings.Split(arg, "|") {
				if s == o {
					return ""
				}
			}
			return "expected one of: " + strings.ReplaceAll(arg, "|", ", ")
		})
	default:
		return fmt.Sprintf("unknown rule %q", rule)
	}
	return ""
}

// checkBound compares a number's value, or a string's, list's or map's length.
func checkBound(v reflect.Value, isMin bool, n float64) string {
	var x float64
	what := "value"
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x = float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		x = float64(v.Uint())
	case reflect.Float32, reflect.Float64:
		x = v.Float()
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array:
		x, what = float64(v.Len()), "length"
	default:
		return fmt.Sprintf("min/max do not apply to %s", v.Kind())
	}
	bound := strconv.FormatFloat(n, 'f', -1, 64)
	if isMin && x < n {
		return fmt.Sprintf("%s must be at least %s", what, bound)
	}
	if !isMin && x > n {
		return fmt.Sprintf("%s must be at most %s", what, bound)
	}
	return ""
}

// eachString runs f on a string, or on each string of a list; the first complaint wins.
func eachString(v reflect.Value, f func(string) string) string {
	switch {
	case v.Kind() == reflect.String:
		return f(v.String())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		for i := range v.Len() {
			if msg := f(v.Index(i).String()); msg != "" {
				return msg
			}
		}
		return ""
	}
	return fmt.Sprintf("rule applies to strings, not %s", v.Kind())
}

// setDefault stores a default: text for a string (or *string), JSON otherwise.
func setDefault(v reflect.Value, def string) error {
	switch {
	case v.Kind() == reflect.String:
		v.SetString(def)
		return nil
	case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.String:
		p := reflect.New(v.Type().Elem())
		p.Elem().SetString(def)
		v.Set(p)
		return nil
	}
	fresh := reflect.New(v.Type())
	if err := json.Unmarshal([]byte(def), fresh.Interface()); err != nil {
		return err
	}
	v.Set(fresh.Elem())
	return nil
}

func emptyList(v reflect.Value) bool {
	return (v.Kind() == reflect.Slice || v.Kind() == reflect.Map) && v.Len() == 0
}

// jsonName is the key encoding/json uses for a field; "" for a skipped one.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return f.Name
}

// lookup finds a key as encoding/json matches it: exactly, else case-insensitively.
func lookup(m map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// typeError names the field of a JSON type mismatch.
func typeError(prefix string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &ConfigError{Field: prefix + te.Field, Msg: fmt.Sprintf("expected %s, got %s", kindName(te.Type), te.Value)}
	}
	return &ConfigError{Field: strings.TrimSuffix(prefix, "."), Msg: err.Error()}
}

// kindName names a Go type in the words of Kong's schema errors.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "a record"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	if t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64 {
		return "an integer"
	}
	return t.String()
}
