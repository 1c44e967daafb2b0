package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/declarative"
)

const configUsage = `Usage: weir config <command> [-c conf] [-p prefix] [-y] [file]

Commands (as Kong's):
  parse <file>      check a declarative configuration (Kong's _format_version 3.0,
                    YAML or JSON, as decK dumps it) without touching the database
  db_export [file]  write the whole configuration of the database to file (stdout when
                    no file is given) in that format, with uploaded modules' binaries;
                    YAML when the file name ends in .yml or .yaml, else JSON
  db_import <file>  load a declarative configuration into the database; entities
                    that exist (same id) are replaced, and entities written without
                    an id get a stable one, so importing a file again updates it

Exports move configurations between backends: export with database = embedded,
import with database = postgres, or the other way round.
`

func runConfig(args []string) error {
	if len(args) == 0 || (args[0] != "db_export" && args[0] != "db_import" && args[0] != "parse") {
		fmt.Fprint(os.Stderr, configUsage)
		return &exitError{code: 2, msg: "expected parse, db_export or db_import"}
	}
	cmd := args[0]
	fs := flag.NewFlagSet("config "+cmd, flag.ContinueOnError)
	yes := fs.Bool("y", false, "overwrite an existing export file")
	c, err := loadConfigFlags(fs, args[1:])
	if err != nil {
		return err
	}
	ctx := context.Background()
	if cmd == "parse" {
		return parseFile(ctx, fs.Arg(0))
	}
	s, err := openStore(ctx, c, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer s.Close()
	if cmd == "db_export" {
		return dbExport(ctx, s, fs.Arg(0), *yes)
	}
	if fs.Arg(0) == "" {
		return errors.New("db_import: which file? (weir config db_import <file>)")
	}
	return dbImport(ctx, s, fs.Arg(0))
}

func dbExport(ctx context.Context, s store.Store, path string, overwrite bool) error {
	e, err := store.ExportFrom(ctx, s)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var w io.Writer = os.Stdout
	if path != "" {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if !overwrite {
			flags |= os.O_EXCL
		}
		f, err := os.OpenFile(path, flags, 0o600)
		if err != nil {
			return fmt.Errorf("export file (use -y to overwrite): %w", err)
		}
		defer f.Close()
		w = f
	}
	if err := encodeExport(w, e, isYAML(path)); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	if path != "" {
		fmt.Printf("Exported %d entities to %s\n", count(e), path)
	}
	return nil
}

func dbImport(ctx context.Context, s store.Store, path string) error {
	e, err := loadFile(ctx, path, declarative.Options{Stored: s.WasmModules(), ExternalIDs: true, Existing: storedIDs(s)})
	if err != nil {
		return err
	}
	n, err := store.ImportInto(ctx, s, e)
	if err != nil {
		return fmt.Errorf("import %s (%d entities written; run again to complete): %w", path, n, err)
	}
	fmt.Printf("Imported %d entities from %s\n", n, path)
	return nil
}

func count(e *store.Export) int {
	return len(e.Services) + len(e.Routes) + len(e.Consumers) + len(e.Plugins) + len(e.KeyAuthCredentials) + len(e.WasmModules) +
		len(e.Upstreams) + len(e.Targets) + len(e.JWTSecrets) + len(e.BasicAuthCredentials) + len(e.ACLs) + len(e.HMACAuthCredentials) +
		len(e.Certificates) + len(e.SNIs) + len(e.CACertificates) + len(e.Vaults) + len(e.KeySets) + len(e.Keys)
}
