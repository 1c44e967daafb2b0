package admin

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/plugins-wasm/meta"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/schema"
)

// Uploaded proxy-wasm modules: /wasm/modules. The binary travels as the multipart file
// `module`, or base64 in a JSON body's `module`; the rest is the module's metadata.

func (s *Server) wasmCollection(c echo.Context) error {
	if c.Request().Method != http.MethodPost {
		opts, err := listOptions(c, true)
		if err != nil {
			return err
		}
		page, err := s.store.WasmModules().List(c.Request().Context(), opts)
		if err != nil {
			return err
		}
		return writePage(c, page.Data, page.Offset)
	}
	in, binary, err := s.wasmInput(c)
	if err != nil {
		return err
	}
	m, err := s.checkModule(c, in, binary)
	if err != nil {
		return err
	}
	if err := s.store.WasmModules().Insert(c.Request().Context(), m, binary); err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, m)
}

func (s *Server) wasmItem(c echo.Context) error {
	ctx := c.Request().Context()
	idOrName := param2(c, "module")
	stored, err := findEntity(ctx, s.store.WasmModules(), store.WasmModules, idOrName)
	if err != nil {
		return err
	}
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead:
		if stored == nil {
			return notFound
		}
		return writeJSON(c, http.StatusOK, stored)
	case http.MethodDelete:
		if stored != nil {
			if err := s.store.WasmModules().Delete(ctx, stored.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return c.NoContent(http.StatusNoContent)
	case http.MethodPatch:
		if stored == nil {
			return notFound
		}
		return s.wasmPatch(c, stored)
	}
	return s.wasmPut(c, idOrName, stored)
}

// wasmPatch changes metadata only (name, priority, tags); the binary is replaced by PUT.
func (s *Server) wasmPatch(c echo.Context, stored *store.WasmModule) error {
	ctx := c.Request().Context()
	in, err := s.input(c, store.WasmModules, nil)
	if err != nil {
		return err
	}
	in["id"] = stored.ID
	merged, err := s.validator.Merge(ctx, store.WasmModules, stored, in)
	if err != nil {
		return err
	}
	m, err := s.validator.WasmModule(merged)
	if err != nil {
		return err
	}
	m.Version, m.Schema = stored.Version, stored.Schema // they come from the binary only
	if err := s.store.WasmModules().Update(ctx, m, nil); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, m)
}

// wasmPut uploads a new binary for the module named in the URL, creating it if absent.
func (s *Server) wasmPut(c echo.Context, idOrName string, stored *store.WasmModule) error {
	ctx := c.Request().Context()
	in, binary, err := s.wasmInput(c)
	if err != nil {
		return err
	}
	switch {
	case stored != nil:
		in["id"], in["created_at"] = stored.ID, float64(stored.CreatedAt)
		if in["name"] == nil {
			in["name"] = stored.Name
		}
	case schema.IsUUID(idOrName):
		in["id"] = idOrName
	default:
		in["name"] = idOrName
	}
	m, err := s.checkModule(c, in, binary)
	if err != nil {
		return err
	}
	if stored != nil {
		err = s.store.WasmModules().Update(ctx, m, binary)
	} else {
		err = s.store.WasmModules().Insert(ctx, m, binary)
	}
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, m)
}

func (s *Server) wasmBinary(c echo.Context) error {
	ctx := c.Request().Context()
	m, err := findEntity(ctx, s.store.WasmModules(), store.WasmModules, param2(c, "module"))
	if err != nil {
		return err
	}
	if m == nil {
		return notFound
	}
	bin, err := s.store.WasmBinary(ctx, m.SHA256)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/wasm", bin)
}

// wasmInput reads an upload: the metadata fields typed against the module schema, and
// the binary (nil when the body has none).
func (s *Server) wasmInput(c echo.Context) (map[string]any, []byte, error) {
	b, err := readBody(c.Request())
	if err != nil {
		return nil, nil, s.bodyError(err)
	}
	binary := b.files["module"]
	if raw, ok := b.fields["module"]; ok && binary == nil {
		str, _ := raw.(string)
		if b.form {
			binary = []byte(str)
		} else if binary, err = base64.StdEncoding.DecodeString(str); err != nil || str == "" {
			return nil, nil, store.SchemaViolation(map[string]any{"module": "expected a base64-encoded wasm binary"})
		}
	}
	delete(b.fields, "module")
	in := b.fields
	if b.form {
		in, _ = store.EntitySchema(store.WasmModules).Coerce(b.fields).(map[string]any)
	}
	return in, binary, nil
}

// checkModule validates the metadata and the binary together, so that one answer lists
// every problem and nothing is stored when any exists.
func (s *Server) checkModule(c echo.Context, in map[string]any, binary []byte) (*store.WasmModule, error) {
	m, err := s.validator.WasmModule(in)
	fields := map[string]any{}
	var se *store.Error
	if err != nil {
		if !errors.As(err, &se) || se.Code != store.CodeSchemaViolation {
			return nil, err
		}
		fields = se.Fields
	}
	switch {
	case len(binary) == 0:
		fields["module"] = "required field missing"
	case s.opts.MaxModuleSize > 0 && int64(len(binary)) > s.opts.MaxModuleSize:
		fields["module"] = fmt.Sprintf("the module is %d bytes; uploads are limited to %d bytes (wasm_max_module_size)", len(binary), s.opts.MaxModuleSize)
	case s.opts.ValidateModule != nil:
		if verr := s.opts.ValidateModule(c.Request().Context(), binary); verr != nil {
			fields["module"] = verr.Error()
		}
	}
	if len(fields) > 0 {
		return nil, store.SchemaViolation(fields)
	}
	if err := applyPluginMeta(m, in, binary); err != nil {
		return nil, store.SchemaViolation(map[string]any{"module": err.Error()})
	}
	return m, nil
}

// applyPluginMeta takes the version and plugin schema from the module's weir.plugin
// section (`weir plugin build` writes it), and its priority unless the upload gave
// one. A section whose schema weir cannot use is refused, so a plugin's config is
// never checked against a broken schema.
func applyPluginMeta(m *store.WasmModule, in map[string]any, binary []byte) error {
	md, err := meta.Read(binary)
	if err != nil || md == nil {
		m.Version, m.Schema = nil, nil
		return err
	}
	if _, err := schema.ParsePlugin(md.Schema); err != nil {
		return fmt.Errorf("weir.plugin section: %w", err)
	}
	m.Schema = md.Schema
	if md.Version != "" {
		m.Version = &md.Version
	}
	if _, given := in["priority"]; !given {
		m.Priority = md.Priority
	}
	return nil
}
