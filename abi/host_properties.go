package abi

import (
	"strings"
	"unsafe"
)

// propertyFunctions: proxy_get_property and proxy_set_property.
func propertyFunctions() []hostFunc {
	return []hostFunc{
		proxyFunc("proxy_get_property", 4, proxyGetProperty),
		proxyFunc("proxy_set_property", 4, proxySetProperty),
	}
}

// Properties the ABI answers itself: they describe the root context, which only abi
// knows. plugin_root_id must answer (even "") or the C++ SDK aborts at context
// creation. plugin_vm_id is the instance's VM id: in weir, the module's name.
const (
	propPluginName   = "plugin_name"
	propPluginRootID = "plugin_root_id"
	propPluginVMID   = "plugin_vm_id"
)

// path reads a property path from guest memory and splits it (splitPath), for a
// write: the segments are copies the gateway may keep.
func (h hostCtx) path(ptr, size uint32) ([]string, Status) {
	raw, st := h.readString(ptr, size, MaxKeyBytes)
	if st != StatusOK {
		return nil, st
	}
	return splitPath(nil, raw)
}

// pathView is path for a read, without copies: the segments share guest memory and
// the instance's storage, so they are good only until the host function returns.
// A plugin reads a property or two on every request; a write is rare.
func (h hostCtx) pathView(ptr, size uint32) ([]string, Status) {
	raw, st := h.view(ptr, size, MaxKeyBytes)
	if st != StatusOK {
		return nil, st
	}
	return splitPath(h.inst.pathSegments[:0], unsafe.String(unsafe.SliceData(raw), len(raw)))
}

// splitPath appends a property path's segments, which the SDKs join with NUL, to
// segments. One trailing NUL, which some SDKs add, is ignored; an empty path names
// nothing (NOT_FOUND). Empty segments are kept: they name nothing weir defines, so
// lookups answer NOT_FOUND.
func splitPath(segments []string, raw string) ([]string, Status) {
	raw = strings.TrimSuffix(raw, "\x00")
	if raw == "" {
		return nil, StatusNotFound
	}
	for {
		segment, rest, more := strings.Cut(raw, "\x00")
		segments = append(segments, segment)
		if !more {
			return segments, StatusOK
		}
		raw = rest
	}
}

// pluginProperty answers the plugin_* properties for the current context.
func (h hostCtx) pluginProperty(path []string) ([]byte, bool) {
	c := h.current()
	if c == nil || len(path) != 1 {
		return nil, false
	}
	switch path[0] {
	case propPluginName:
		return []byte(c.plugin().pluginName), true
	case propPluginRootID:
		return []byte(c.plugin().rootID), true
	case propPluginVMID:
		return []byte(h.inst.vmID), true
	}
	return nil, false
}

// proxyGetProperty(path_ptr, path_size, ret_ptr_ptr, ret_size_ptr).
func proxyGetProperty(h hostCtx, stack []uint64) Status {
	path, st := h.pathView(arg(stack, 0), arg(stack, 1))
	if st != StatusOK {
		return st
	}
	v, ok := h.pluginProperty(path)
	if !ok {
		s := h.stream()
		if s == nil {
			return StatusNotFound
		}
		if v, ok = s.Property(path); !ok {
			return StatusNotFound
		}
	}
	return h.copyOut(v, arg(stack, 2), arg(stack, 3))
}

// proxySetProperty(path_ptr, path_size, value_ptr, value_size): NOT_FOUND for unknown
// or read-only paths (plugin_* among them) and in root contexts.
func proxySetProperty(h hostCtx, stack []uint64) Status {
	path, st := h.path(arg(stack, 0), arg(stack, 1))
	if st != StatusOK {
		return st
	}
	value, st := h.read(arg(stack, 2), arg(stack, 3), MaxValueBytes)
	if st != StatusOK {
		return st
	}
	if _, ok := h.pluginProperty(path); ok {
		return StatusNotFound
	}
	s := h.stream()
	if s == nil || !s.SetProperty(path, value) {
		return StatusNotFound
	}
	return StatusOK
}
