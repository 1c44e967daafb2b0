package admin

import (
	"bytes"
	"context"
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
// whole by POST /config and read back by GET /config. Beyond Kong, the entity
// endpoints stay writable: each write is applied to the running configuration and the
// declarative file is rewritten with the result (Options.DeclarativeFile), so a
// restart loads what the Admin API last answered.

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
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	changes, err := s.replaceConfig(ctx, rep, e)
	if err != nil {
		return err
	}
	s.lastConfig.Store(hash)
	out := withoutBinaries(e)
	out["_changes"] = changes
	return writeJSON(c, http.StatusCreated, out)
}

// replaceConfig swaps in a validated configuration and keeps the declarative file in
// step, answering what changed per entity list. An unchanged configuration is not
// written at all, so the proxy does not rebuild for nothing.
func (s *Server) replaceConfig(ctx context.Context, rep store.Replacer, e *store.Export) (map[string]declarative.Changes, error) {
	before, err := store.ExportFrom(ctx, s.store)
	if err != nil {
		return nil, err
	}
	changes, err := declarative.Diff(before, e)
	if err != nil || declarative.Unchanged(changes) {
		return changes, err
	}
	if err := rep.ReplaceAll(ctx, e); err != nil {
		return nil, err
	}
	if _, err := s.saveConfig(ctx, rep, before); err != nil {
		return nil, err
	}
	return changes, nil
}

// saveConfig rewrites the declarative file with the running configuration. If the file
// cannot be written, the configuration before the change (before) is put back, so the
// running configuration and the file never disagree, and the error says so.
func (s *Server) saveConfig(ctx context.Context, rep store.Replacer, before *store.Export) ([]byte, error) {
	if s.opts.DeclarativeFile == "" {
		return nil, nil
	}
	now, err := store.ExportFrom(ctx, s.store)
	if err != nil {
		return nil, err
	}
	written, err := declarative.WriteFile(s.opts.DeclarativeFile, now)
	if err == nil {
		return written, nil
	}
	if rerr := rep.ReplaceAll(ctx, before); rerr != nil {
		return nil, fmt.Errorf("%w; restoring the previous configuration failed too: %w", err, rerr)
	}
	return nil, echo.NewHTTPError(http.StatusInternalServerError,
		"the change was undone: the declarative configuration file could not be written: "+err.Error())
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

// pathEntities names the entity of an endpoint's last fixed segment, for the
// OpenAPI description.
var pathEntities = map[string]string{
	"key-auth": store.KeyAuthCredentials, "key-auths": store.KeyAuthCredentials,
	"jwt": store.JWTSecrets, "jwts": store.JWTSecrets,
	"basic-auth": store.BasicAuthCredentials, "basic-auths": store.BasicAuthCredentials,
	"hmac-auth": store.HMACAuthCredentials, "hmac-auths": store.HMACAuthCredentials,
	"modules": store.WasmModules, "key-sets": store.KeySets,
}

// dbless, in DB-less mode, runs each write to an entity endpoint under one lock and,
// when it succeeded and changed the configuration, rewrites the declarative file
// before the client gets the answer; a failed rewrite undoes the write and answers
// 500. Answers are buffered until then.
func (s *Server) dbless(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		m := c.Request().Method
		path := c.Path()
		if !s.opts.DBLess || (!bodyMethods[m] && m != http.MethodDelete) || path == "/config" || strings.HasSuffix(path, "/validate") {
			return next(c)
		}
		rep, ok := s.store.(store.Replacer)
		if !ok {
			return next(c)
		}
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		ctx := c.Request().Context()
		before, err := store.ExportFrom(ctx, s.store)
		if err != nil {
			return err
		}
		res := c.Response()
		orig := res.Writer
		buf := &responseBuffer{header: orig.Header()}
		res.Writer = buf
		err = next(c)
		res.Writer = orig
		if err != nil || buf.status < 200 || buf.status > 299 {
			return flushResponse(orig, buf, err)
		}
		if err := s.saveChange(ctx, rep, before); err != nil {
			res.Committed, res.Size = false, 0
			return err
		}
		return flushResponse(orig, buf, nil)
	}
}

// saveChange rewrites the declarative file after a write that changed the
// configuration.
func (s *Server) saveChange(ctx context.Context, rep store.Replacer, before *store.Export) error {
	now, err := store.ExportFrom(ctx, s.store)
	if err != nil {
		return err
	}
	changes, err := declarative.Diff(before, now)
	if err != nil || declarative.Unchanged(changes) {
		return err
	}
	written, err := s.saveConfig(ctx, rep, before)
	if err != nil {
		return err
	}
	if written != nil {
		sum := md5.Sum(written)
		s.lastConfig.Store(hex.EncodeToString(sum[:]))
	}
	return nil
}

// responseBuffer holds an answer until the declarative file is written.
type responseBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *responseBuffer) Header() http.Header { return b.header }

func (b *responseBuffer) WriteHeader(code int) { b.status = code }

func (b *responseBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// flushResponse sends a buffered answer, unless the handler failed before writing
// one (err then goes to the error handler).
func flushResponse(w http.ResponseWriter, b *responseBuffer, err error) error {
	if b.status == 0 {
		return err
	}
	w.WriteHeader(b.status)
	_, werr := w.Write(b.body.Bytes())
	return werr
}
