package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/store"
)

// healthChecksOff is Kong's health of a target whose upstream runs no health checks,
// and what every target reports when no Options.TargetHealth is set.
const healthChecksOff = "HEALTHCHECKS_OFF"

// targetHealth is one entry of GET /upstreams/{u}/health.
type targetHealth struct {
	store.Target
	Health string `json:"health"`
}

// upstreamHealth answers GET /upstreams/{u}/health: the upstream's targets with their
// health, and this node's id (health is per node in Kong too).
func (s *Server) upstreamHealth(parent func(echo.Context) (*scope, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		sc, err := parent(c)
		if err != nil {
			return err
		}
		data := []targetHealth{}
		opts := store.ListOptions{Size: store.MaxPageSize, Foreign: &store.ForeignFilter{Field: sc.field, ID: sc.id}}
		err = walk(c.Request().Context(), s.store.Targets().List, opts, func(t store.Target) error {
			health := healthChecksOff
			if s.opts.TargetHealth != nil {
				health = s.opts.TargetHealth(sc.id, t.Target)
			}
			data = append(data, targetHealth{Target: t, Health: health})
			return nil
		})
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, map[string]any{"data": data, "next": nil, "node_id": s.opts.NodeID})
	}
}
