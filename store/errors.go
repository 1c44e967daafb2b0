package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Code is Kong's database error code (kong/db/errors.lua). Clients such as decK read
// it, so the numbers are Kong's.
type Code int

// The codes weir produces.
const (
	CodeSchemaViolation    Code = 2
	CodeForeignKey         Code = 4
	CodeUniqueViolation    Code = 5
	CodeNotFound           Code = 6
	CodeInvalidOffset      Code = 7
	CodeDatabase           Code = 8
	CodeInvalidSize        Code = 9
	CodeReferencedByOthers Code = 19
)

var codeNames = map[Code]string{
	CodeSchemaViolation:    "schema violation",
	CodeForeignKey:         "foreign key violation",
	CodeUniqueViolation:    "unique constraint violation",
	CodeNotFound:           "not found",
	CodeInvalidOffset:      "invalid offset",
	CodeDatabase:           "database error",
	CodeInvalidSize:        "invalid size",
	CodeReferencedByOthers: "referenced by others",
}

// Sentinel errors, one per kind; every *Error matches exactly one with errors.Is.
var (
	ErrSchemaViolation    = errors.New("schema violation")
	ErrForeignKey         = errors.New("foreign key violation")
	ErrUniqueViolation    = errors.New("unique constraint violation")
	ErrNotFound           = errors.New("not found")
	ErrInvalidOffset      = errors.New("invalid offset")
	ErrInvalidSize        = errors.New("invalid size")
	ErrReferencedByOthers = errors.New("referenced by others")
	// ErrClosed is returned by a store used after Close.
	ErrClosed = errors.New("store closed")
	// ErrUnavailable marks an operation that failed because the database could not be
	// reached; nothing was written. It is not a Kong error code: the Admin API answers
	// it with 503 so clients know to retry, while the proxy keeps its last snapshot.
	ErrUnavailable = errors.New("database unreachable")
)

// Unavailable wraps a transport error so callers can tell an outage from a bad request.
func Unavailable(cause error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, cause)
}

var codeSentinels = map[Code]error{
	CodeSchemaViolation:    ErrSchemaViolation,
	CodeForeignKey:         ErrForeignKey,
	CodeUniqueViolation:    ErrUniqueViolation,
	CodeNotFound:           ErrNotFound,
	CodeInvalidOffset:      ErrInvalidOffset,
	CodeInvalidSize:        ErrInvalidSize,
	CodeReferencedByOthers: ErrReferencedByOthers,
}

// Error is a store error in the shape of Kong's err_t: the Admin API writes it out as
// is, with the HTTP status its code maps to.
type Error struct {
	Code    Code           `json:"code"`
	Name    string         `json:"name"`
	Message string         `json:"message"`
	Fields  map[string]any `json:"fields,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, ErrNotFound) and friends work on an *Error.
func (e *Error) Is(target error) bool { return codeSentinels[e.Code] == target }

func newError(code Code, msg string, fields map[string]any) *Error {
	return &Error{Code: code, Name: codeNames[code], Message: msg, Fields: fields}
}

// SchemaViolation builds the error for invalid input. fields maps a field name to its
// message, or to nested errors; "@entity" holds a list of entity-level messages.
func SchemaViolation(fields map[string]any) *Error {
	var parts []string
	if ent, ok := fields["@entity"].([]any); ok {
		for _, m := range ent {
			parts = append(parts, fmt.Sprint(m))
		}
	}
	for _, name := range sortedKeys(fields) {
		if name == "@entity" {
			continue
		}
		parts = append(parts, flatten(name, fields[name])...)
	}
	msg := "schema violation (" + strings.Join(parts, "; ") + ")"
	if len(parts) != 1 {
		msg = fmt.Sprintf("%d schema violations (%s)", len(parts), strings.Join(parts, "; "))
	}
	return newError(CodeSchemaViolation, msg, fields)
}

// flatten writes the message lines of one field, one level deep as Kong does: a nested
// error below that is printed as a literal.
func flatten(name string, v any) []string {
	switch t := v.(type) {
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(t) {
			out = append(out, fmt.Sprintf("%s.%s: %s", name, k, literal(t[k])))
		}
		return out
	case []any:
		var out []string
		for i, el := range t {
			if el != nil {
				out = append(out, fmt.Sprintf("%s.%d: %s", name, i+1, literal(el)))
			}
		}
		return out
	}
	return []string{fmt.Sprintf("%s: %s", name, literal(v))}
}

func literal(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// UniqueViolation reports that an entity with these unique values exists. A nil value
// stands for an unset field (Kong prints it as null).
func UniqueViolation(values map[string]any) *Error {
	return newError(CodeUniqueViolation, "UNIQUE violation detected on '"+pretty(values)+"'", values)
}

// ForeignKeyViolation reports that field references a parent entity that does not exist.
func ForeignKeyViolation(field, id, parent string) *Error {
	key := map[string]any{"id": id}
	msg := fmt.Sprintf("the foreign key '%s' does not reference an existing '%s' entity.", pretty(key), parent)
	return newError(CodeForeignKey, msg, map[string]any{field: key})
}

// ReferencedBy reports that deleting a parent is refused because a child entity of a
// restricting relation (routes of a service) still points at it.
func ReferencedBy(parent, child string) *Error {
	msg := fmt.Sprintf("an existing '%s' entity references this '%s' entity", child, parent)
	return newError(CodeForeignKey, msg, map[string]any{"@referenced_by": child})
}

// ReferencedByOthers reports that an entity is still in use by others (a wasm module
// named by plugins).
func ReferencedByOthers(msg string) *Error {
	return newError(CodeReferencedByOthers, msg, nil)
}

// NotFound reports that no entity has that primary key.
func NotFound(id string) *Error {
	return newError(CodeNotFound, "could not find the entity with primary key '"+pretty(map[string]any{"id": id})+"'",
		map[string]any{"id": id})
}

// InvalidOffset reports a pagination offset this store did not issue.
func InvalidOffset(offset string) *Error {
	return newError(CodeInvalidOffset, fmt.Sprintf("'%s' is not a valid offset: bad base64 encoding", offset), nil)
}

// InvalidSize reports a page size out of range.
func InvalidSize() *Error {
	return newError(CodeInvalidSize, fmt.Sprintf("size must be an integer between 1 and %d", MaxPageSize), nil)
}

// pretty prints a table the way Kong's pl.pretty.write does on one line: sorted keys,
// quoted strings, null for unset values.
func pretty(v any) string {
	switch t := v.(type) {
	case map[string]any:
		parts := make([]string, 0, len(t))
		for _, k := range sortedKeys(t) {
			parts = append(parts, k+"="+pretty(t[k]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		parts := make([]string, len(t))
		for i, el := range t {
			parts[i] = pretty(el)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case string:
		return fmt.Sprintf("%q", t)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
