// Package schema implements Kong's field-type schema language: the format of a plugin's
// schema.json and of weir's core entity schemas. A schema fills defaults and validates a
// JSON value, and reports errors keyed by field the way Kong's Admin API reports them.
//
// Values are what encoding/json decodes into an `any`: map[string]any, []any, string,
// float64, bool and nil.
package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
)

// Field types Kong's schema language knows and this package implements.
const (
	TypeString  = "string"
	TypeBoolean = "boolean"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeArray   = "array"
	TypeSet     = "set"
	TypeMap     = "map"
	TypeRecord  = "record"
	// TypeForeign is a reference to another entity, written {"id": "<uuid>"}.
	TypeForeign = "foreign"
	// TypeJSON accepts any JSON value as is: the config of an uploaded module, whose
	// shape only the module knows.
	TypeJSON = "json"
)

// ErrInvalidSchema says a schema document itself is malformed.
var ErrInvalidSchema = errors.New("invalid schema")

// Field is one node of a schema. Its JSON form is Kong's: a record's fields are an array
// of single-key objects so their order is kept.
type Field struct {
	Type        string
	Required    bool
	Default     any
	HasDefault  bool
	OneOf       []any
	Between     []float64
	Gt          *float64
	LenMin      *int
	LenMax      *int
	Match       string
	Elements    *Field
	Keys        *Field
	Values      *Field
	Fields      []NamedField
	Description string
	Reference   string
	// UUID and Auto are informative, as in Kong's /schemas output: the value is a UUID,
	// and the store generates it.
	UUID bool
	Auto bool
	// Check is an extra validation in Go (Kong's custom_validator): it returns an error
	// message, or "" when the value is valid. It runs after the declarative checks.
	Check func(v any) string

	match *regexp.Regexp
}

// NamedField is one field of a record.
type NamedField struct {
	Name string
	*Field
}

// Get returns the record's field with that name, or nil.
func (f *Field) Get(name string) *Field {
	for _, nf := range f.Fields {
		if nf.Name == name {
			return nf.Field
		}
	}
	return nil
}

// fieldJSON is the wire form of a Field.
type fieldJSON struct {
	Type        string                       `json:"type"`
	Required    bool                         `json:"required,omitempty"`
	Default     json.RawMessage              `json:"default,omitempty"`
	OneOf       []any                        `json:"one_of,omitempty"`
	Between     []float64                    `json:"between,omitempty"`
	Gt          *float64                     `json:"gt,omitempty"`
	LenMin      *int                         `json:"len_min,omitempty"`
	LenMax      *int                         `json:"len_max,omitempty"`
	Match       string                       `json:"match,omitempty"`
	Elements    *Field                       `json:"elements,omitempty"`
	Keys        *Field                       `json:"keys,omitempty"`
	Values      *Field                       `json:"values,omitempty"`
	Fields      []map[string]json.RawMessage `json:"fields,omitempty"`
	Description string                       `json:"description,omitempty"`
	Reference   string                       `json:"reference,omitempty"`
	UUID        bool                         `json:"uuid,omitempty"`
	Auto        bool                         `json:"auto,omitempty"`
}

var knownTypes = map[string]bool{
	TypeString: true, TypeBoolean: true, TypeInteger: true, TypeNumber: true, TypeArray: true,
	TypeSet: true, TypeMap: true, TypeRecord: true, TypeForeign: true, TypeJSON: true,
}

// UnmarshalJSON reads a field in Kong's schema format and checks that it is usable.
func (f *Field) UnmarshalJSON(b []byte) error {
	var w fieldJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSchema, err)
	}
	if !knownTypes[w.Type] {
		return fmt.Errorf("%w: unknown type %q", ErrInvalidSchema, w.Type)
	}
	*f = Field{Type: w.Type, Required: w.Required, OneOf: w.OneOf, Between: w.Between, Gt: w.Gt,
		LenMin: w.LenMin, LenMax: w.LenMax, Match: w.Match, Elements: w.Elements, Keys: w.Keys,
		Values: w.Values, Description: w.Description, Reference: w.Reference, UUID: w.UUID, Auto: w.Auto}
	if len(w.Default) > 0 {
		if err := json.Unmarshal(w.Default, &f.Default); err != nil {
			return fmt.Errorf("%w: default: %w", ErrInvalidSchema, err)
		}
		f.HasDefault = true
	}
	for i, one := range w.Fields {
		if len(one) != 1 {
			return fmt.Errorf("%w: fields[%d] must have exactly one key", ErrInvalidSchema, i)
		}
		for name, raw := range one {
			sub := new(Field)
			if err := json.Unmarshal(raw, sub); err != nil {
				return fmt.Errorf("field %q: %w", name, err)
			}
			f.Fields = append(f.Fields, NamedField{Name: name, Field: sub})
		}
	}
	return f.compile()
}

// compile checks the parts that depend on the type and compiles match.
func (f *Field) compile() error {
	if (f.Type == TypeArray || f.Type == TypeSet) && f.Elements == nil {
		return fmt.Errorf("%w: %s needs elements", ErrInvalidSchema, f.Type)
	}
	if f.Type == TypeMap && (f.Keys == nil || f.Values == nil) {
		return fmt.Errorf("%w: map needs keys and values", ErrInvalidSchema)
	}
	if f.Between != nil && len(f.Between) != 2 {
		return fmt.Errorf("%w: between needs two bounds", ErrInvalidSchema)
	}
	if f.Match != "" {
		re, err := regexp.Compile(f.Match)
		if err != nil {
			return fmt.Errorf("%w: match: %w", ErrInvalidSchema, err)
		}
		f.match = re
	}
	if f.HasDefault && f.Default != nil {
		if _, errs := f.Process(f.Default); errs != nil {
			return fmt.Errorf("%w: default does not validate: %v", ErrInvalidSchema, errs)
		}
	}
	return nil
}

// MarshalJSON writes the field in Kong's schema format, as /schemas endpoints serve it.
func (f *Field) MarshalJSON() ([]byte, error) {
	w := fieldJSON{Type: f.Type, Required: f.Required, OneOf: f.OneOf, Between: f.Between, Gt: f.Gt,
		LenMin: f.LenMin, LenMax: f.LenMax, Match: f.Match, Elements: f.Elements, Keys: f.Keys,
		Values: f.Values, Description: f.Description, Reference: f.Reference, UUID: f.UUID, Auto: f.Auto}
	if f.HasDefault {
		d, err := json.Marshal(f.Default)
		if err != nil {
			return nil, fmt.Errorf("default: %w", err)
		}
		w.Default = d
	}
	for _, nf := range f.Fields {
		raw, err := json.Marshal(nf.Field)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", nf.Name, err)
		}
		w.Fields = append(w.Fields, map[string]json.RawMessage{nf.Name: raw})
	}
	return json.Marshal(w)
}

// MustParse reads a schema written in Go source; it panics on a malformed one, which is
// a programming error caught by any test.
func MustParse(doc string) *Field {
	f := new(Field)
	if err := json.Unmarshal([]byte(doc), f); err != nil {
		panic(fmt.Sprintf("schema.MustParse: %v", err))
	}
	return f
}
