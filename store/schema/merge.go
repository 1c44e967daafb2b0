package schema

// Merge applies a partial update over a stored value the way Kong's PATCH does: fields of
// records are merged recursively, any other value (arrays, maps, scalars, null) replaces
// the stored one. Neither argument is modified.
func (f *Field) Merge(base, patch any) any {
	if f == nil || f.Type != TypeRecord {
		return deepCopy(patch)
	}
	b, okb := base.(map[string]any)
	p, okp := patch.(map[string]any)
	if !okb || !okp {
		return deepCopy(patch)
	}
	out := deepCopy(b).(map[string]any)
	for k, pv := range p {
		out[k] = f.Get(k).Merge(b[k], pv)
	}
	return out
}
