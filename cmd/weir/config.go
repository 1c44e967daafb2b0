package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
	"github.com/weir-gateway/weir/store"
)

const configUsage = `Usage: weir config <command> [-c conf] [-p prefix] [-y] [file]

Commands (as Kong's):
  db_export [file]  write the whole configuration of the database to file (stdout when
                    no file is given), with uploaded modules' binaries
  db_import <file>  load a configuration written by db_export into the database;
                    entities that exist (same id) are replaced

Exports move configurations between backends: export with database = embedded,
import with database = postgres, or the other way round.
`

func runConfig(args []string) error {
	if len(args) == 0 || (args[0] != "db_export" && args[0] != "db_import") {
		fmt.Fprint(os.Stderr, configUsage)
		return &exitError{code: 2, msg: "expected db_export or db_import"}
	}
	cmd := args[0]
	fs := flag.NewFlagSet("config "+cmd, flag.ContinueOnError)
	file := fs.String("c", "", "configuration file (kong.conf syntax)")
	prefix := fs.String("p", "", "prefix directory (overrides the prefix property)")
	yes := fs.Bool("y", false, "overwrite an existing export file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	env := os.Environ()
	if *prefix != "" {
		env = append(env, "WEIR_PREFIX="+*prefix)
	}
	c, err := conf.Load(*file, env)
	if err != nil {
		return err
	}
	ctx := context.Background()
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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	if path != "" {
		fmt.Printf("Exported %d entities to %s\n", count(e), path)
	}
	return nil
}

func dbImport(ctx context.Context, s store.Store, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read import file: %w", err)
	}
	var e store.Export
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("%s is not a weir export: %w", path, err)
	}
	n, err := store.ImportInto(ctx, s, &e)
	if err != nil {
		return fmt.Errorf("import %s (%d entities written; run again to complete): %w", path, n, err)
	}
	fmt.Printf("Imported %d entities from %s\n", n, path)
	return nil
}

func count(e *store.Export) int {
	return len(e.Services) + len(e.Routes) + len(e.Consumers) + len(e.Plugins) + len(e.KeyAuthCredentials) + len(e.WasmModules) +
		len(e.Upstreams) + len(e.Targets) + len(e.JWTSecrets) + len(e.BasicAuthCredentials) + len(e.ACLs) + len(e.HMACAuthCredentials) +
		len(e.Certificates) + len(e.SNIs) + len(e.CACertificates)
}
