package schema

// JSONSchema converts a field to the OpenAPI 3.0 flavour of JSON Schema, so an API
// description can be generated from the same schemas that validate requests.
// Constraints without a JSON Schema equivalent (custom checks, entity checks) are
// only in the description's prose.
func (f *Field) JSONSchema() map[string]any {
	out := map[string]any{}
	switch f.Type {
	case TypeString:
		out["type"] = "string"
		if f.UUID {
			out["format"] = "uuid"
		}
		if f.Match != "" {
			out["pattern"] = f.Match
		}
		setLen(out, f, "minLength", "maxLength")
	case TypeInteger, TypeNumber:
		out["type"] = f.Type
		if len(f.Between) == 2 {
			out["minimum"], out["maximum"] = f.Between[0], f.Between[1]
		}
		if f.Gt != nil {
			out["minimum"], out["exclusiveMinimum"] = *f.Gt, true
		}
	case TypeBoolean:
		out["type"] = "boolean"
	case TypeArray, TypeSet:
		out["type"] = "array"
		if f.Type == TypeSet {
			out["uniqueItems"] = true
		}
		if f.Elements != nil {
			out["items"] = f.Elements.JSONSchema()
		}
		setLen(out, f, "minItems", "maxItems")
	case TypeMap:
		out["type"] = "object"
		if f.Values != nil {
			out["additionalProperties"] = f.Values.JSONSchema()
		}
	case TypeRecord:
		out["type"] = "object"
		props := map[string]any{}
		var required []string
		for _, nf := range f.Fields {
			props[nf.Name] = nf.Field.JSONSchema()
			if nf.Required && !nf.HasDefault && !nf.Auto {
				required = append(required, nf.Name)
			}
		}
		out["properties"] = props
		if required != nil {
			out["required"] = required
		}
	case TypeForeign:
		out["type"] = "object"
		out["properties"] = map[string]any{"id": map[string]any{"type": "string", "format": "uuid"}}
		out["required"] = []string{"id"}
	}
	if len(f.OneOf) > 0 {
		out["enum"] = f.OneOf
	}
	if f.HasDefault {
		out["default"] = f.Default
	}
	if f.Description != "" {
		out["description"] = f.Description
	}
	if !f.Required && f.Type != TypeRecord {
		out["nullable"] = true
	}
	return out
}

func setLen(out map[string]any, f *Field, minKey, maxKey string) {
	if f.LenMin != nil {
		out[minKey] = *f.LenMin
	}
	if f.LenMax != nil {
		out[maxKey] = *f.LenMax
	}
}
