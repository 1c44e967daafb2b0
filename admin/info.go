package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/schema"
)

// availablePlugin is one entry of GET /'s plugins.available_on_server. An uploaded
// module's version comes from its weir.plugin section; without one it is null.
type availablePlugin struct {
	Version  *string `json:"version"`
	Priority int     `json:"priority"`
}

// available lists built-ins and uploaded modules by name.
func (s *Server) available(c echo.Context) (map[string]availablePlugin, error) {
	out := map[string]availablePlugin{}
	for _, b := range s.builtins {
		v := b.Version
		out[b.Name] = availablePlugin{Version: &v, Priority: b.Priority}
	}
	err := eachPage(c, s.store.WasmModules().List, func(m store.WasmModule) {
		out[m.Name] = availablePlugin{Version: m.Version, Priority: m.Priority}
	})
	return out, err
}

// eachPage walks every page of a list.
func eachPage[T any](c echo.Context, list func(context.Context, store.ListOptions) (*store.Page[T], error), fn func(T)) error {
	opts := store.ListOptions{Size: store.MaxPageSize}
	for {
		page, err := list(c.Request().Context(), opts)
		if err != nil {
			return err
		}
		for _, e := range page.Data {
			fn(e)
		}
		if page.Offset == "" {
			return nil
		}
		opts.Offset = page.Offset
	}
}

func (s *Server) enabledPlugins(c echo.Context) error {
	avail, err := s.available(c)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(avail))
	for n := range avail {
		names = append(names, n)
	}
	sort.Strings(names)
	return writeJSON(c, http.StatusOK, map[string]any{"enabled_plugins": names})
}

func (s *Server) nodeInfo(c echo.Context) error {
	avail, err := s.available(c)
	if err != nil {
		return err
	}
	inUse := map[string]bool{}
	if err := eachPage(c, s.store.Plugins().List, func(p store.Plugin) { inUse[p.Name] = true }); err != nil {
		return err
	}
	enabled := make([]string, 0, len(inUse))
	for n := range inUse {
		enabled = append(enabled, n)
	}
	sort.Strings(enabled)
	conf := s.opts.Configuration
	if conf == nil {
		conf = map[string]any{}
	}
	return writeJSON(c, http.StatusOK, map[string]any{
		"tagline":       "Welcome to weir",
		"version":       KongVersion,
		"weir_version":  s.opts.Version,
		"edition":       "community",
		"hostname":      s.opts.Hostname,
		"node_id":       s.opts.NodeID,
		"configuration": conf,
		"plugins": map[string]any{
			"available_on_server": avail,
			"enabled_in_cluster":  enabled,
		},
		"pids": map[string]any{"master": os.Getpid()},
	})
}

// status reports what this process really knows: whether the database answers and how
// many Admin API requests it has served.
func (s *Server) status(c echo.Context) error {
	out := map[string]any{"server": map[string]any{"total_requests": s.requests.Load()}}
	if s.opts.DBLess {
		// As a DB-less Kong: the hash of the configuration POST /config last applied,
		// which clients compare with their own (check_hash).
		out["configuration_hash"] = s.configHash()
	} else {
		out["database"] = map[string]any{"reachable": s.store.Ping(c.Request().Context()) == nil}
	}
	return writeJSON(c, http.StatusOK, out)
}

func (s *Server) pluginSchema(c echo.Context) error {
	name := param2(c, "name")
	p, ok := s.validator.Builtin(name)
	if !ok {
		if _, err := s.store.WasmModules().GetBy(c.Request().Context(), "name", name); err != nil {
			if errorsIsNotFound(err) {
				return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("No plugin named '%s'", name))
			}
			return err
		}
		return writeSchema(c, store.EntitySchema(store.Plugins))
	}
	return writeSchema(c, store.PluginEntitySchema(p))
}

func (s *Server) entitySchema(c echo.Context) error {
	name := param2(c, "entity")
	sch := store.EntitySchema(name)
	if sch == nil {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("No entity named '%s'", name))
	}
	return writeSchema(c, sch)
}

// writeSchema answers with Kong's schema shape: {"fields": [...]}.
func writeSchema(c echo.Context, sch *schema.Field) error {
	raw, err := json.Marshal(sch)
	if err != nil {
		return fmt.Errorf("encode schema: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("decode schema: %w", err)
	}
	delete(out, "type")
	return writeJSON(c, http.StatusOK, out)
}
