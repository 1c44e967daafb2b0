package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/declarative"
	"github.com/weir-gateway/weir/store/embedded"
)

// dblessFile holds a DB-less node's configuration while it runs. The declarative file
// is the source of truth, so the node starts from an empty file each time.
const dblessFile = "dbless.db"

// dblessDeclarativeFile is the file a DB-less node rewrites after each Admin API
// change (declarative_config), or "" when the node has a database or no file.
func dblessDeclarativeFile(c *conf.Config) string {
	if c.Database != "off" {
		return ""
	}
	return c.DeclarativeConfig
}

// openDBLess opens a fresh embedded store and loads declarative_config into it. An
// invalid file stops the start with its report: a node never serves half a file.
func openDBLess(ctx context.Context, c *conf.Config) (store.Store, error) {
	path := filepath.Join(c.Prefix, dblessFile)
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("reset %s: %w", path, err)
	}
	s, err := embedded.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the DB-less store: %w", err)
	}
	if c.DeclarativeConfig == "" {
		return s, nil
	}
	e, err := loadFile(ctx, c.DeclarativeConfig, declarative.Options{})
	if err == nil {
		err = s.ReplaceAll(ctx, e)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("declarative_config: %w", err)
	}
	return s, nil
}
