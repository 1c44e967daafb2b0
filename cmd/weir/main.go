// Command weir is the gateway: `weir start` runs a node; the other commands manage one
// (stop, health), print the version, or run a small echo upstream for trying it out.
package main

import (
	"errors"
	"fmt"
	"os"

	// before net/http initializes: WebSocket over HTTP/2 (see the package)
	_ "github.com/weir-gateway/weir/cmd/weir/internal/xconnect"
)

// version is weir's release; the Admin API, Via and Server headers report it.
const version = "0.1.0"

const usage = `Usage: weir <command> [options]

Commands:
  start        run a weir node (proxy and Admin API)
  stop         stop the node running in a prefix
  health       check that the node in a prefix is running
  migrations   bootstrap | up | finish | list | reset the database schema
  config       parse | db_import | db_export a declarative configuration (Kong 3.0 format)
  plugin       init | build | test a Go plugin (scaffold, compile to .wasm with its metadata, try it)
  echo-server  answer every request with a JSON description of it (an upstream for trying weir)
  version      print weir's version

Run 'weir <command> -h' for a command's options.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "start":
		err = runStart(args)
	case "stop":
		err = runStop(args)
	case "health":
		err = runHealth(args)
	case "migrations":
		err = runMigrations(args)
	case "config":
		err = runConfig(args)
	case "plugin":
		err = runPlugin(args)
	case "echo-server":
		err = runEcho(args)
	case "version", "--version", "-v":
		fmt.Println(version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "weir: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "weir: %v\n", err)
		var exit *exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code)
		}
		os.Exit(1)
	}
}
