package main

import (
	"bytes"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	pluginmeta "github.com/weir-gateway/weir/plugins-wasm/meta"
	"github.com/weir-gateway/weir/sdk"
	"github.com/weir-gateway/weir/store/schema"
)

const pluginUsage = `Usage: weir plugin <command> [options]

Commands:
  init NAME   scaffold a Go plugin module in ./NAME: go.mod, main.go (on the SDK's weir
              layer), schema.json (name, version, priority, config schema), a test,
              a Makefile, and a copy of the SDK in weir-sdk/ (go.mod replaces to it)
  build       compile the plugin in the current directory (-dir) to NAME.wasm with the
              standard Go toolchain, and embed schema.json in its "weir.plugin" section,
              which the Admin API reads on upload
  test        run the built plugin in an in-process weir gateway and send it a request
              (-config JSON, -X method, -path, -H 'name: value', -d body); -expect N
              fails unless the answer's status is N

Run 'weir plugin <command> -h' for a command's options.
`

// pluginSDKDir is where init writes the SDK, relative to the plugin.
const pluginSDKDir = "weir-sdk"

// pluginTemplates are the scaffold's files, with __NAME__ for the plugin's name.
//
//go:embed plugintmpl/*.tmpl
var pluginTemplates embed.FS

// pluginName is what weir accepts as a plugin's name: also a valid module path.
var pluginName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

func runPlugin(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, pluginUsage)
		return &exitError{code: 2, msg: "expected init, build or test"}
	}
	switch args[0] {
	case "init":
		return runPluginInit(args[1:])
	case "build":
		return runPluginBuild(args[1:])
	case "test":
		return runPluginTest(args[1:])
	case "-h", "--help", "help":
		fmt.Print(pluginUsage)
		return nil
	}
	fmt.Fprint(os.Stderr, pluginUsage)
	return &exitError{code: 2, msg: fmt.Sprintf("unknown plugin command %q", args[0])}
}

func runPluginInit(args []string) error {
	fs := flag.NewFlagSet("plugin init", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory to create (default ./NAME)")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	name := fs.Arg(0)
	if !pluginName.MatchString(name) {
		return &exitError{code: 2, msg: fmt.Sprintf("plugin name %q: use lower-case letters, digits and dashes, starting with a letter", name)}
	}
	if *dir == "" {
		*dir = name
	}
	if _, err := os.Stat(*dir); err == nil {
		return fmt.Errorf("%s exists already", *dir)
	}
	if err := scaffold(*dir, name); err != nil {
		return err
	}
	fmt.Printf("created plugin %s in %s\n  cd %s && go test ./... && weir plugin build && weir plugin test\n", name, *dir, *dir)
	return nil
}

// scaffold writes the plugin's files and the SDK's source into dir.
func scaffold(dir, name string) error {
	files := map[string]string{"go.mod": "go.mod.tmpl", "main.go": "main.go.tmpl", "main_test.go": "main_test.go.tmpl",
		"schema.json": "schema.json.tmpl", "Makefile": "Makefile.tmpl", ".gitignore": "gitignore.tmpl"}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for file, t := range files {
		b, err := pluginTemplates.ReadFile("plugintmpl/" + t)
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte("__NAME__"), []byte(name))
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			return err
		}
	}
	sum, err := sdk.Source.ReadFile("go.sum")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		return err
	}
	return writeSDK(filepath.Join(dir, pluginSDKDir))
}

// writeSDK copies the embedded SDK module to dir.
func writeSDK(dir string) error {
	return fs.WalkDir(sdk.Source, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := sdk.Source.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

func runPluginBuild(args []string) error {
	fs := flag.NewFlagSet("plugin build", flag.ContinueOnError)
	dir := fs.String("dir", ".", "the plugin's directory (its go.mod, main package and schema.json)")
	out := fs.String("o", "", "output file (default NAME.wasm in the plugin's directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	doc, m, err := readPluginSchema(*dir)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join(*dir, m.Name+".wasm")
	}
	tmp, err := os.CreateTemp("", "weir-plugin-*.wasm")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	build := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", tmp.Name(), ".")
	build.Dir, build.Stdout, build.Stderr = *dir, os.Stderr, os.Stderr
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}
	wasm, err := os.ReadFile(tmp.Name())
	if err != nil {
		return err
	}
	if wasm, err = pluginmeta.Append(wasm, doc); err != nil {
		return err
	}
	if err := os.WriteFile(*out, wasm, 0o644); err != nil {
		return err
	}
	fmt.Printf("built %s: %s %s, priority %d, %d bytes\n", *out, m.Name, m.Version, m.Priority, len(wasm))
	return nil
}

// readPluginSchema reads and checks dir/schema.json: its head, and its config schema
// in the form the Admin API will validate configs with.
func readPluginSchema(dir string) ([]byte, *pluginmeta.Meta, error) {
	doc, err := os.ReadFile(filepath.Join(dir, "schema.json"))
	if err != nil {
		return nil, nil, err
	}
	m, err := pluginmeta.Parse(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("schema.json: %w", err)
	}
	if !pluginName.MatchString(m.Name) {
		return nil, nil, fmt.Errorf("schema.json: name %q: use lower-case letters, digits and dashes", m.Name)
	}
	if _, err := schema.ParsePlugin(doc); err != nil {
		return nil, nil, fmt.Errorf("schema.json: %w", err)
	}
	return doc, m, nil
}

// headerFlags collects repeated -H 'name: value' flags.
type headerFlags []string

func (h *headerFlags) String() string { return strings.Join(*h, ", ") }

func (h *headerFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return errors.New("want 'name: value'")
	}
	*h = append(*h, strings.TrimSpace(name), strings.TrimSpace(value))
	return nil
}

// reorder puts flags before positional arguments, so `init NAME -dir d` works too.
func reorder(args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			flags = append(flags, args[i])
			if !strings.Contains(args[i], "=") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, args[i])
	}
	return append(flags, rest...)
}

// printHeaders writes header lines sorted by name.
func printHeaders(w io.Writer, indent string, h map[string][]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(w, "%s%s: %s\n", indent, k, v)
		}
	}
}
