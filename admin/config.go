package admin

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/declarative"
)

// DB-less mode (database = off): the configuration is one declarative file, replaced
// whole by POST /config and read back by GET /config, and the entity endpoints are
// read-only, as in Kong.

// yamlTypes are the content types POST /config takes besides the Admin API's own.
var yamlTypes = map[string]bool{"application/yaml": true, "application/x-yaml": true, "text/yaml": true}

var errNotDBLess = echo.NewHTTPError(http.StatusBadRequest,
	"this endpoint is only available when weir is configured to not use a database (database = off)")

// postConfig answers POST /config: the new configuration is validated entirely, then
// swapped in one transaction; an invalid one is reported per entity and the running
// configuration stays.
func (s *Server) postConfig(c echo.Context) error {
	rep, ok := s.store.(store.Replacer)
	if !s.opts.DBLess || !ok {
		return errNotDBLess
	}
	raw, err := configBody(c.Request())
	if err != nil {
		return s.bodyError(err)
	}
	sum := md5.Sum(raw)
	hash := hex.EncodeToString(sum[:])
	if c.QueryParam("check_hash") == "1" && hash == s.configHash() {
		return c.NoContent(http.StatusNotModified)
	}
	tree, err := declarative.Parse(raw)
	if err != nil {
		return badRequest(err.Error())
	}
	ctx := c.Request().Context()
	e, err := declarative.Load(ctx, tree, declarative.Options{Builtins: s.builtins})
	var de *declarative.Errors
	if errors.As(err, &de) {
		return writeJSON(c, http.StatusBadRequest, map[string]any{
			"code": 14, "name": "invalid declarative configuration", "message": de.Error(),
			"flattened_errors": de.Entities,
		})
	}
	if err != nil {
		return err
	}
	if err := rep.ReplaceAll(ctx, e); err != nil {
		return err
	}
	s.lastConfig.Store(hash)
	return writeJSON(c, http.StatusCreated, withoutBinaries(e))
}

// emptyConfigHash is Kong's configuration_hash before any configuration is posted.
const emptyConfigHash = "00000000000000000000000000000000"

// configHash is the MD5 of the configuration POST /config last applied. MD5 serves as
// Kong's does: a change detector clients compare, not a security measure.
func (s *Server) configHash() string {
	if h, ok := s.lastConfig.Load().(string); ok {
		return h
	}
	return emptyConfigHash
}

// configBody reads the declarative file from a POST /config body: the body itself
// (JSON or YAML), or a `config` field holding it (form, multipart, or a JSON object
// without _format_version), as Kong takes it.
func configBody(r *http.Request) ([]byte, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if ct == echo.MIMEApplicationForm || ct == echo.MIMEMultipartForm {
		b, err := readBody(r)
		if err != nil {
			return nil, err
		}
		if f, ok := b.files["config"]; ok {
			return f, nil
		}
		if s, ok := b.fields["config"].(string); ok {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("config: required field missing")
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if ct == echo.MIMEApplicationJSON || ct == "" {
		var wrapped struct {
			Config        *string `json:"config"`
			FormatVersion any     `json:"_format_version"`
		}
		if json.Unmarshal(raw, &wrapped) == nil && wrapped.Config != nil && wrapped.FormatVersion == nil {
			return []byte(*wrapped.Config), nil
		}
	}
	return raw, nil
}

// withoutBinaries is what POST /config answers: the entities, module binaries left out.
func withoutBinaries(e *store.Export) map[string]any {
	raw, _ := json.Marshal(e)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if mods, ok := out["wasm_modules"].([]any); ok {
		for _, m := range mods {
			delete(m.(map[string]any), "binary")
		}
	}
	return out
}

// getConfig answers GET /config with the running configuration as YAML.
func (s *Server) getConfig(c echo.Context) error {
	if !s.opts.DBLess {
		return errNotDBLess
	}
	e, err := store.ExportFrom(c.Request().Context(), s.store)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode configuration: %w", err)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return fmt.Errorf("decode configuration: %w", err)
	}
	var buf bytes.Buffer
	if err := yaml.NewEncoder(&buf).Encode(tree); err != nil {
		return fmt.Errorf("encode configuration as YAML: %w", err)
	}
	return writeJSON(c, http.StatusOK, map[string]any{"config": buf.String()})
}

// pathEntities names the entity of an endpoint's last fixed segment, for DB-less
// refusals.
var pathEntities = map[string]string{
	"key-auth": store.KeyAuthCredentials, "key-auths": store.KeyAuthCredentials,
	"jwt": store.JWTSecrets, "jwts": store.JWTSecrets,
	"basic-auth": store.BasicAuthCredentials, "basic-auths": store.BasicAuthCredentials,
	"hmac-auth": store.HMACAuthCredentials, "hmac-auths": store.HMACAuthCredentials,
	"modules": store.WasmModules, "key-sets": store.KeySets,
}

// dbless refuses writes to entity endpoints in DB-less mode with Kong's 405: the file
// is the configuration, changed through POST /config.
func (s *Server) dbless(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		m := c.Request().Method
		path := c.Path()
		if !s.opts.DBLess || (!bodyMethods[m] && m != http.MethodDelete) || path == "/config" || strings.HasSuffix(path, "/validate") {
			return next(c)
		}
		entity := ""
		for _, seg := range strings.Split(path, "/") {
			if seg != "" && !strings.HasPrefix(seg, ":") {
				entity = seg
			}
		}
		if e, ok := pathEntities[entity]; ok {
			entity = e
		}
		verb := map[string]string{http.MethodPost: "create", http.MethodPut: "update", http.MethodPatch: "update", http.MethodDelete: "delete"}[m]
		return echo.NewHTTPError(http.StatusMethodNotAllowed, fmt.Sprintf("cannot %s '%s' entities when not using a database", verb, entity))
	}
}
