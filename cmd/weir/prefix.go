package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/weir-gateway/weir/cmd/weir/internal/conf"
)

// The prefix directory holds a node's files.
const (
	storeFile  = "weir.db"
	pidFile    = "pids/weir.pid"
	nodeIDFile = "weir.id"
	wasmCache  = "wasm-cache"
)

// loadConfig parses the flags every command shares (-c, -p) and loads the config.
func loadConfig(name string, args []string) (*conf.Config, error) {
	return loadConfigFlags(flag.NewFlagSet(name, flag.ContinueOnError), args)
}

// loadConfigFlags adds -c and -p to a command's own flags, parses args and loads the
// configuration; the command reads its other flags and arguments from fs.
func loadConfigFlags(fs *flag.FlagSet, args []string) (*conf.Config, error) {
	file := fs.String("c", "", "configuration file (kong.conf syntax)")
	prefix := fs.String("p", "", "prefix directory (overrides the prefix property)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	env := os.Environ()
	if *prefix != "" {
		env = append(env, "WEIR_PREFIX="+*prefix)
	}
	return conf.Load(*file, env)
}

// preparePrefix creates the prefix's directories.
func preparePrefix(prefix string) error {
	for _, d := range []string{prefix, filepath.Join(prefix, "pids"), filepath.Join(prefix, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	return nil
}

// nodeID returns the node's id, created on first start and kept in the prefix.
func nodeID(prefix string) (string, error) {
	path := filepath.Join(prefix, nodeIDFile)
	if b, err := os.ReadFile(path); err == nil {
		if id := strings.TrimSpace(string(b)); uuid.Validate(id) == nil {
			return id, nil
		}
	}
	id := uuid.NewString()
	if err := os.WriteFile(path, []byte(id+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("write node id: %w", err)
	}
	return id, nil
}

// runningPID returns the pid of the node running in prefix, or an error saying why not.
func runningPID(prefix string) (int, error) {
	b, err := os.ReadFile(filepath.Join(prefix, pidFile))
	if err != nil {
		return 0, fmt.Errorf("weir is not running in %s (no pid file)", prefix)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("bad pid file in %s: %w", prefix, err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		return 0, fmt.Errorf("weir is not running in %s (pid %d: %w)", prefix, pid, err)
	}
	return pid, nil
}

func runStop(args []string) error {
	c, err := loadConfig("stop", args)
	if err != nil {
		return err
	}
	pid, err := runningPID(c.Prefix)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("signal pid %d: %w", pid, err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			fmt.Println("weir stopped")
			return nil
		}
	}
	return fmt.Errorf("pid %d did not stop within 30s", pid)
}

func runHealth(args []string) error {
	c, err := loadConfig("health", args)
	if err != nil {
		return err
	}
	pid, err := runningPID(c.Prefix)
	if err != nil {
		return err
	}
	fmt.Printf("weir is healthy at %s (pid %d)\n", c.Prefix, pid)
	return nil
}
