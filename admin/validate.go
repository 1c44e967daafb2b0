package admin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// checkFunc validates input for one entity type without storing it.
type checkFunc func(ctx context.Context, in map[string]any) error

// checkOf adapts a resource's validate function.
func checkOf[T any](validate func(context.Context, map[string]any) (*T, error)) checkFunc {
	return func(ctx context.Context, in map[string]any) error {
		_, err := validate(ctx, in)
		return err
	}
}

// validateEntity answers POST /schemas/{entity}/validate: the same rules and errors as
// a create, with nothing written. Foreign keys are not looked up, as in Kong.
func (s *Server) validateEntity(c echo.Context) error {
	return s.validateAs(c, param2(c, "entity"))
}

// validatePlugin answers POST /schemas/plugins/validate.
func (s *Server) validatePlugin(c echo.Context) error {
	return s.validateAs(c, "plugins")
}

func (s *Server) validateAs(c echo.Context, entity string) error {
	check, ok := s.checks[entity]
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("No entity named '%s'", entity))
	}
	in, err := s.input(c, entity, nil)
	if err != nil {
		return err
	}
	if err := check(c.Request().Context(), in); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"message": "schema validation successful"})
}
