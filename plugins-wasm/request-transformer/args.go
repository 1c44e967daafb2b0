package requesttransformer

import (
	"sort"
	"strings"

	"github.com/weir-gateway/weir/sdk/weir"
)

// args is a query or form as Kong's PDK holds it: a name's value is a string, true
// (a flag written without '='), or a list.
type args map[string]value

func parseArgs(raw string) args {
	out := args{}
	for _, a := range weir.Query(raw).Args() {
		v := str(a.Value)
		if a.Flag {
			v = value{set: true, flag: true}
		}
		switch old := out[a.Name]; {
		case !old.set:
			out[a.Name] = v
		case old.list != nil:
			out[a.Name] = value{set: true, list: append(old.list, v)}
		default:
			out[a.Name] = value{set: true, list: []value{old, v}}
		}
	}
	return out
}

// appendValue is Kong's append_value: a string becomes a list of it and the new
// value, a list grows, anything else (nil, a flag) is replaced by a list of the value.
func appendValue(old, v value) value {
	switch {
	case old.list != nil:
		return value{set: true, list: append(append([]value(nil), old.list...), v)}
	case old.set && !old.flag:
		return value{set: true, list: []value{old, v}}
	}
	return value{set: true, list: []value{v}}
}

// namespace reads the table from a template.
func (a args) namespace(key string) value { return a[key] }

// encode writes the table as Kong's set_query does: each name's arguments (a flag
// bare, a list as repeated arguments) escaped as ngx.encode_args does, the names'
// pieces sorted.
func (a args) encode() string {
	pieces := make([]string, 0, len(a))
	for name, v := range a {
		var vals []value
		if v.list != nil {
			vals = v.list
		} else {
			vals = []value{v}
		}
		var parts []string
		for _, e := range vals {
			switch {
			case e.flag:
				parts = append(parts, weir.EscapeURIComponent(name))
			case e.set:
				parts = append(parts, weir.EscapeURIComponent(name)+"="+weir.EscapeURIComponent(e.s))
			}
		}
		if len(parts) > 0 {
			pieces = append(pieces, strings.Join(parts, "&"))
		}
	}
	sort.Strings(pieces)
	return strings.Join(pieces, "&")
}
