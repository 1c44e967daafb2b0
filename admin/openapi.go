package admin

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/store"
)

// GET /openapi.json: an OpenAPI 3.0 description of the Admin API, generated at start
// from the router (every path and method served) and the entity schemas (the same
// ones that validate requests), so it cannot drift from what the API does.

// openAPI answers GET /openapi.json.
func (s *Server) openAPI(c echo.Context) error {
	return writeJSON(c, http.StatusOK, s.openAPIDoc())
}

// singular maps the last segment of a parent endpoint (/routes/{r}/service) to its
// entity.
var singular = map[string]string{"service": store.Services, "consumer": store.Consumers, "certificate": store.Certificates, "set": store.KeySets}

// pathEntity is the entity an endpoint serves, from its last fixed segment, or "".
func pathEntity(path string) string {
	last := ""
	for _, seg := range strings.Split(path, "/") {
		if seg != "" && !strings.HasPrefix(seg, ":") {
			last = seg
		}
	}
	switch {
	case store.EntitySchema(last) != nil:
		return last
	case pathEntities[last] != "":
		return pathEntities[last]
	}
	return singular[last]
}

func (s *Server) openAPIDoc() map[string]any {
	schemas := map[string]any{
		"Error": map[string]any{"type": "object", "properties": map[string]any{
			"code": map[string]any{"type": "integer"}, "name": map[string]any{"type": "string"},
			"message": map[string]any{"type": "string"}, "fields": map[string]any{"type": "object"},
		}, "required": []string{"message"}},
	}
	for _, name := range store.EntityNames() {
		schemas[name] = store.EntitySchema(name).JSONSchema()
	}
	paths := map[string]any{}
	for _, r := range s.echo.Routes() {
		if r.Path == "" || strings.Contains(r.Path, "*") {
			continue
		}
		template := paramPattern.ReplaceAllString(r.Path, "{$1}")
		item, _ := paths[template].(map[string]any)
		if item == nil {
			item = map[string]any{}
			if params := pathParams(r.Path); len(params) > 0 {
				item["parameters"] = params
			}
			paths[template] = item
		}
		item[strings.ToLower(r.Method)] = operation(r.Method, r.Path)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "weir Admin API",
			"version":     s.opts.Version,
			"description": "Kong " + KongVersion + "'s Admin API as weir serves it. Bodies may also be form-encoded or multipart.",
		},
		"paths":      paths,
		"components": map[string]any{"schemas": schemas},
	}
}

func pathParams(path string) []any {
	var out []any
	for _, m := range paramPattern.FindAllStringSubmatch(path, -1) {
		out = append(out, map[string]any{"name": m[1], "in": "path", "required": true,
			"description": "id, or the entity's name or other endpoint key", "schema": map[string]any{"type": "string"}})
	}
	return out
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// operation describes one method of one path: its body and answers, typed by the
// entity when the path serves one.
func operation(method, path string) map[string]any {
	entity := pathEntity(path)
	isItem := strings.HasSuffix(path, "/:"+lastParam(path)) && lastParam(path) != ""
	op := map[string]any{"operationId": strings.ToLower(method) + strings.NewReplacer("/", "_", ":", "").Replace(path)}
	responses := map[string]any{
		"400": map[string]any{"description": "invalid request", "content": jsonContent(ref("Error"))},
	}
	var body any = map[string]any{"type": "object"}
	if entity != "" {
		body = ref(entity)
	}
	switch method {
	case http.MethodGet, http.MethodHead:
		var schema any = map[string]any{"type": "object"}
		switch {
		case entity != "" && isItem, entity != "" && singular[lastSegment(path)] != "":
			schema = ref(entity)
		case entity != "":
			schema = map[string]any{"type": "object", "properties": map[string]any{
				"data":   map[string]any{"type": "array", "items": ref(entity)},
				"offset": map[string]any{"type": "string"},
				"next":   map[string]any{"type": "string", "nullable": true},
			}}
		}
		responses["200"] = map[string]any{"description": "OK", "content": jsonContent(schema)}
		responses["404"] = map[string]any{"description": "not found", "content": jsonContent(ref("Error"))}
	case http.MethodPost:
		op["requestBody"] = map[string]any{"content": jsonContent(body)}
		responses["201"] = map[string]any{"description": "created", "content": jsonContent(body)}
		responses["409"] = map[string]any{"description": "unique constraint violation", "content": jsonContent(ref("Error"))}
	case http.MethodPut, http.MethodPatch:
		if seg := lastSegment(path); seg == "healthy" || seg == "unhealthy" {
			responses["204"] = map[string]any{"description": "the target's health on this node is set"}
			break
		}
		op["requestBody"] = map[string]any{"content": jsonContent(body)}
		responses["200"] = map[string]any{"description": "OK", "content": jsonContent(body)}
	case http.MethodDelete:
		responses["204"] = map[string]any{"description": "deleted, or absent"}
	}
	op["responses"] = responses
	return op
}

func lastParam(path string) string {
	i := strings.LastIndex(path, "/:")
	if i < 0 || strings.Contains(path[i+2:], "/") {
		return ""
	}
	return path[i+2:]
}

func lastSegment(path string) string { return path[strings.LastIndex(path, "/")+1:] }
