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

// setTargetHealth answers PUT /upstreams/{u}/targets/{t}[/{address}]/healthy|unhealthy,
// Kong's manual health override: 204 once this node's balancer took it, 404 for an
// unknown upstream or target, 400 with the balancer's reason otherwise.
func (s *Server) setTargetHealth(parent func(echo.Context) (*scope, error), targets *resource[store.Target], healthy bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		sc, err := parent(c)
		if err != nil {
			return err
		}
		t, err := targets.find(ctx, param2(c, "target"), sc)
		if err != nil {
			return err
		}
		if t == nil || t.Upstream == nil || t.Upstream.ID != sc.id {
			return notFound
		}
		address := param2(c, "address")
		if address != "" {
			address = store.NormalizeTarget(address)
		}
		if s.opts.SetTargetHealth == nil {
			return s.noHealthChecker(c, sc.id)
		}
		if err := s.opts.SetTargetHealth(sc.id, t.Target, address, healthy); err != nil {
			return writeJSON(c, http.StatusBadRequest, map[string]any{"message": err.Error()})
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// noHealthChecker is Kong's answer for an upstream whose balancer has no health
// checker (kong/runloop/balancer: post_health), which is every upstream of a node
// that runs no balancer.
func (s *Server) noHealthChecker(c echo.Context, upstreamID string) error {
	u, err := s.store.Upstreams().Get(c.Request().Context(), upstreamID)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusBadRequest, map[string]any{"message": "no healthchecker found for " + u.Name})
}
