package admin

import (
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
)

// paramPattern is an Echo path parameter, `:name`.
var paramPattern = regexp.MustCompile(`:([^/:]+)`)

// endpoints answers GET /endpoints: every path the Admin API serves, as Kong lists them
// (`{param}` templates, sorted segment by segment), read from the router itself so the
// list cannot drift from what is served.
func (s *Server) endpoints(c echo.Context) error {
	return writeJSON(c, http.StatusOK, map[string]any{"data": servedPaths(s.echo)})
}

// servedPaths lists the distinct route templates of e.
func servedPaths(e *echo.Echo) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, r := range e.Routes() {
		if r.Path == "" || strings.Contains(r.Path, "*") || seen[r.Path] {
			continue
		}
		seen[r.Path] = true
		out = append(out, paramPattern.ReplaceAllString(r.Path, "{$1}"))
	}
	// Comparing with "/" as the lowest byte sorts /a, /a/z before /ab, as Kong does.
	key := func(p string) string { return strings.ReplaceAll(p, "/", "\x00") }
	sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}
