package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/embedded"
	"github.com/weir-gateway/weir/store/postgres"
)

const migrationsUsage = `Usage: weir migrations <command> [-c conf] [-p prefix] [-y] [--lock-timeout seconds]

Commands (as Kong's):
  bootstrap  create weir's tables on an empty database
  up         run the migrations the database has not seen
  finish     run the pending teardowns of migrations already up
  list       show executed, pending and new migrations
             (exit 3: needs bootstrap, 4: pending finish, 5: new migrations)
  reset      drop every table weir created (asks first; -y skips the question)
`

// exitError ends the process with a specific status, as Kong's `migrations list` does.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func runMigrations(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(os.Stderr, migrationsUsage)
		return &exitError{code: 2, msg: "missing migrations command"}
	}
	cmd := args[0]
	fs := flag.NewFlagSet("migrations "+cmd, flag.ContinueOnError)
	yes := fs.Bool("y", false, "reset without asking")
	lockTimeout := fs.Int("lock-timeout", 60, "seconds to wait for another node's migration")
	c, err := loadConfigFlags(fs, args[1:])
	if err != nil {
		return err
	}
	ctx := context.Background()
	switch c.Database {
	case "postgres":
		return pgMigrations(ctx, c, cmd, *yes, time.Duration(*lockTimeout)*time.Second, os.Stdin, os.Stdout)
	case "cassandra":
		return cassandraMigrations(ctx, c, cmd, *yes, time.Duration(*lockTimeout)*time.Second, os.Stdin, os.Stdout)
	case "embedded":
		return embeddedMigrations(c, cmd, *yes, os.Stdin, os.Stdout)
	}
	return fmt.Errorf("database %q has no migrations", c.Database)
}

func pgMigrations(ctx context.Context, c *conf.Config, cmd string, yes bool, lockTimeout time.Duration, in io.Reader, out io.Writer) error {
	m, err := postgres.NewMigrator(ctx, postgresConfig(c, slog.New(slog.DiscardHandler)), lockTimeout)
	if err != nil {
		return err
	}
	defer m.Close()
	return migrate(ctx, m, m.State, pgWhere(c.Postgres), cmd, yes, in, out)
}

// migrator is what `weir migrations` drives: the PostgreSQL and the Cassandra stores'
// migrators.
type migrator interface {
	Bootstrap(context.Context) ([]string, error)
	Up(context.Context) ([]string, error)
	Finish(context.Context) ([]string, error)
	Reset(context.Context) error
}

// migrate runs one `weir migrations` command with Kong's messages and exit
// codes; state reads where the database stands, where names it in messages.
func migrate(ctx context.Context, m migrator, state func(context.Context) (*store.MigrationState, error), where, cmd string, yes bool, in io.Reader, out io.Writer) error {
	switch cmd {
	case "bootstrap":
		fmt.Fprintf(out, "Bootstrapping database %s...\n", where)
		ran, err := m.Bootstrap(ctx)
		if err != nil {
			return fmt.Errorf("bootstrap %s: %w", where, err)
		}
		if len(ran) == 0 {
			fmt.Fprintln(out, "Database already bootstrapped")
			return nil
		}
		report(out, ran)
		fmt.Fprintln(out, "Database is up-to-date")
	case "up":
		ran, err := m.Up(ctx)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", where, err)
		}
		if len(ran) == 0 {
			fmt.Fprintln(out, "Database is already up-to-date")
			return nil
		}
		report(out, ran)
		return pendingNote(ctx, state, out)
	case "finish":
		ran, err := m.Finish(ctx)
		if err != nil {
			return fmt.Errorf("finish migrations on %s: %w", where, err)
		}
		if len(ran) == 0 {
			fmt.Fprintln(out, "No pending migrations to finish")
			return nil
		}
		report(out, ran)
		fmt.Fprintln(out, "Database is up-to-date")
	case "list":
		st, err := state(ctx)
		if err != nil {
			return fmt.Errorf("list migrations on %s: %w", where, err)
		}
		return listState(out, st)
	case "reset":
		if !yes && !confirm(in, out) {
			return errors.New("reset cancelled")
		}
		if err := m.Reset(ctx); err != nil {
			return fmt.Errorf("reset %s: %w", where, err)
		}
		fmt.Fprintln(out, "Database reset")
	default:
		fmt.Fprint(os.Stderr, migrationsUsage)
		return &exitError{code: 2, msg: fmt.Sprintf("unknown migrations command %q", cmd)}
	}
	return nil
}

func report(out io.Writer, ran []string) {
	for _, name := range ran {
		fmt.Fprintf(out, "migrating %s\n", name)
	}
	fmt.Fprintf(out, "%d migration(s) processed\n", len(ran))
}

func pendingNote(ctx context.Context, state func(context.Context) (*store.MigrationState, error), out io.Writer) error {
	st, err := state(ctx)
	if err != nil {
		return err
	}
	if len(st.Pending) > 0 {
		fmt.Fprintln(out, "Database has pending migrations; run 'weir migrations finish' when every node runs this version")
		return nil
	}
	fmt.Fprintln(out, "Database is up-to-date")
	return nil
}

// listState prints the state and exits with Kong's status for it.
func listState(out io.Writer, st *store.MigrationState) error {
	if !st.Bootstrapped {
		fmt.Fprintln(out, "Database needs bootstrapping; run 'weir migrations bootstrap'")
		return &exitError{code: 3, msg: "database needs bootstrapping"}
	}
	for _, sec := range []struct {
		title string
		names []string
	}{{"Executed migrations", st.Executed}, {"Pending migrations", st.Pending}, {"New migrations available", st.New}, {"Unknown migrations (from a newer weir)", st.Unknown}} {
		if len(sec.names) > 0 {
			fmt.Fprintf(out, "%s:\n  %s\n", sec.title, strings.Join(sec.names, "\n  "))
		}
	}
	switch {
	case len(st.New) > 0:
		fmt.Fprintln(out, "Run 'weir migrations up' to proceed")
		return &exitError{code: 5, msg: "database has new migrations"}
	case len(st.Pending) > 0:
		fmt.Fprintln(out, "Run 'weir migrations finish' when every node runs this version")
		return &exitError{code: 4, msg: "database has pending migrations"}
	}
	fmt.Fprintln(out, "Database is up-to-date")
	return nil
}

func confirm(in io.Reader, out io.Writer) bool {
	fmt.Fprint(out, "Are you sure? This operation is irreversible. [y/n] ")
	line, _ := bufio.NewReader(in).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

// embeddedMigrations gives the embedded store the same commands. Its file migrates
// itself on open, so bootstrap and up just open it.
func embeddedMigrations(c *conf.Config, cmd string, yes bool, in io.Reader, out io.Writer) error {
	path := filepath.Join(c.Prefix, storeFile)
	switch cmd {
	case "bootstrap", "up", "list":
		s, err := embedded.Open(path)
		if err != nil {
			return err
		}
		defer s.Close()
		v, err := s.SchemaVersion()
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		fmt.Fprintf(out, "Embedded store %s is up-to-date (schema version %d)\n", path, v)
	case "finish":
		fmt.Fprintln(out, "No pending migrations to finish")
	case "reset":
		if pid, err := runningPID(c.Prefix); err == nil {
			return fmt.Errorf("weir is running in %s (pid %d); stop it before resetting its store", c.Prefix, pid)
		}
		if !yes && !confirm(in, out) {
			return errors.New("reset cancelled")
		}
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove %s: %w", path, err)
		}
		fmt.Fprintln(out, "Database reset")
	default:
		fmt.Fprint(os.Stderr, migrationsUsage)
		return &exitError{code: 2, msg: fmt.Sprintf("unknown migrations command %q", cmd)}
	}
	return nil
}
