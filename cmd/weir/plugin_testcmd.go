package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/weir-gateway/weir/host/plugintest"
	pluginmeta "github.com/weir-gateway/weir/plugins-wasm/meta"
)

// runPluginTest is `weir plugin test`: the built module in an in-process gateway
// (host/plugintest), one request through it, and what came back.
func runPluginTest(args []string) error {
	fs := flag.NewFlagSet("plugin test", flag.ContinueOnError)
	dir := fs.String("dir", ".", "the plugin's directory")
	wasmFile := fs.String("wasm", "", "the module (default NAME.wasm in the plugin's directory, as built)")
	config := fs.String("config", "", "the plugin's config as JSON (default: none, so the schema's defaults)")
	method := fs.String("X", "GET", "request method")
	path := fs.String("path", "/", "request path and query")
	body := fs.String("d", "", "request body")
	expect := fs.Int("expect", 0, "fail unless the response status is this")
	var headers headerFlags
	fs.Var(&headers, "H", "request header 'name: value' (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	wasm, name, err := readBuiltPlugin(*dir, *wasmFile)
	if err != nil {
		return err
	}
	var cfg any
	if *config != "" {
		if err := json.Unmarshal([]byte(*config), &cfg); err != nil {
			return fmt.Errorf("-config: %w", err)
		}
	}
	gw, err := plugintest.New(plugintest.Options{})
	if err != nil {
		return err
	}
	defer gw.Close()
	if err := gw.Upload(name, wasm); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	if _, err := gw.Enable(name, cfg); err != nil {
		return fmt.Errorf("enable: %w", err)
	}
	var reqBody []byte
	if *body != "" {
		reqBody = []byte(*body)
	}
	resp, err := gw.Send(*method, *path, reqBody, headers...)
	if err != nil {
		return err
	}
	reportExchange(name, *method, *path, resp, gw.Logs())
	if *expect != 0 && resp.Status != *expect {
		return &exitError{code: 1, msg: fmt.Sprintf("status %d, expected %d", resp.Status, *expect)}
	}
	return nil
}

// readBuiltPlugin finds the module and its name: from its weir.plugin section, else
// from schema.json, else the file's name.
func readBuiltPlugin(dir, file string) ([]byte, string, error) {
	if file == "" {
		_, m, err := readPluginSchema(dir)
		if err != nil {
			return nil, "", fmt.Errorf("%w (or name the module with -wasm)", err)
		}
		file = filepath.Join(dir, m.Name+".wasm")
	}
	wasm, err := os.ReadFile(file)
	if err != nil {
		return nil, "", fmt.Errorf("%w (run `weir plugin build` first)", err)
	}
	m, err := pluginmeta.Read(wasm)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", file, err)
	}
	if m != nil {
		return wasm, m.Name, nil
	}
	return wasm, strings.TrimSuffix(filepath.Base(file), ".wasm"), nil
}

// reportExchange prints the answer, what the upstream received, and the plugin's logs.
func reportExchange(name, method, path string, resp *plugintest.Response, logs string) {
	fmt.Printf("%s %s -> %d\n", method, path, resp.Status)
	printHeaders(os.Stdout, "  ", resp.Header)
	if resp.Upstream != nil {
		u := resp.Upstream
		target := u.Path
		if u.Query != "" {
			target += "?" + u.Query
		}
		fmt.Printf("upstream received %s %s\n", u.Method, target)
		printHeaders(os.Stdout, "  ", u.Header)
		if u.Body != "" {
			fmt.Printf("  body: %s\n", u.Body)
		}
	} else {
		fmt.Printf("answered without the upstream:\n  %s\n", strings.TrimSpace(string(resp.Body)))
	}
	var lines []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "plugin="+name) {
			lines = append(lines, "  "+l)
		}
	}
	if len(lines) > 0 {
		fmt.Printf("%s logged:\n%s\n", name, strings.Join(lines, "\n"))
	}
}
