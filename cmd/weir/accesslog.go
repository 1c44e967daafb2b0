package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
)

// openAccessLog opens proxy_access_log for appending; nil when it is off.
func openAccessLog(c *conf.Config) (io.Writer, func(), error) {
	path := c.Proxy.AccessLog
	switch path {
	case "off", "":
		return nil, func() {}, nil
	case "/dev/stdout":
		return os.Stdout, func() {}, nil
	case "/dev/stderr":
		return os.Stderr, func() {}, nil
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.Prefix, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("create access log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open access log: %w", err)
	}
	return f, func() { f.Close() }, nil
}
