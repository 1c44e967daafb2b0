package declarative

import (
	"fmt"
	"sort"
	"strings"
)

// FieldError is one problem of an entity, as Kong's flattened errors list them: a
// field's, or the entity's as a whole (Type "entity").
type FieldError struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Type    string `json:"type"`
}

// EntityError is every problem of one entity of the file.
type EntityError struct {
	EntityType string         `json:"entity_type"`
	EntityName string         `json:"entity_name,omitempty"`
	EntityID   string         `json:"entity_id,omitempty"`
	Entity     map[string]any `json:"entity"`
	Errors     []FieldError   `json:"errors"`
}

// Errors is the report of an invalid file: nothing of it may be applied.
type Errors struct {
	Entities []EntityError
}

func (e *Errors) Error() string {
	parts := make([]string, 0, len(e.Entities))
	for _, ee := range e.Entities {
		label := ee.EntityType
		if ee.EntityName != "" {
			label += " '" + ee.EntityName + "'"
		}
		msgs := make([]string, 0, len(ee.Errors))
		for _, fe := range ee.Errors {
			if fe.Field != "" {
				msgs = append(msgs, fe.Field+": "+fe.Message)
			} else {
				msgs = append(msgs, fe.Message)
			}
		}
		parts = append(parts, label+": "+strings.Join(msgs, "; "))
	}
	return fmt.Sprintf("declarative config is invalid: %d invalid entities: %s", len(e.Entities), strings.Join(parts, "; "))
}

// flattenFields turns a schema violation's fields ({"config":{"a":"msg"}},
// {"@entity":[...]}, {"paths":[null,"msg"]}) into a list of field errors.
func flattenFields(prefix string, v any, out *[]FieldError) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "@entity" {
				flattenEntity(t[k], out)
				continue
			}
			flattenFields(join(prefix, k), t[k], out)
		}
	case []any:
		for i, e := range t {
			if e != nil {
				flattenFields(join(prefix, fmt.Sprint(i+1)), e, out)
			}
		}
	case nil:
	default:
		*out = append(*out, FieldError{Field: prefix, Message: fmt.Sprint(t), Type: "field"})
	}
}

func flattenEntity(v any, out *[]FieldError) {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	for _, m := range list {
		*out = append(*out, FieldError{Message: fmt.Sprint(m), Type: "entity"})
	}
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}
