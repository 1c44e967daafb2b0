package main_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tutorialBlocks returns the ```sh blocks of docs/sdk.md in order; ```shell blocks
// (starting a node and an upstream) are for readers only.
func tutorialBlocks(t *testing.T) []string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs/sdk.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?ms)^```sh\n(.*?)^```").FindAllStringSubmatch(string(doc), -1)
	var out []string
	for _, b := range blocks {
		out = append(out, b[1])
	}
	if len(out) < 6 {
		t.Fatalf("docs/sdk.md has %d sh blocks; the tutorial lost its commands", len(out))
	}
	return out
}

// TestTutorial runs docs/sdk.md's tutorial as written: scaffold, unit-test, build and
// try a plugin, then upload and enable it on a real weir node and send requests
// through its proxy. localhost:8000/8001 and the upstream's 127.0.0.1:9999 become the
// addresses of the node and upstream the test starts.
func TestTutorial(t *testing.T) {
	bin := buildWeir(t)
	n := startNode(t, bin, t.TempDir())
	upstream := freeAddr(t)
	echo := exec.Command(bin, "echo-server", "--listen", upstream)
	if err := echo.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = echo.Process.Kill(); _ = echo.Wait() })
	waitHTTP(t, "http://"+upstream+"/")

	pathDir := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(pathDir, "weir")); err != nil {
		t.Fatal(err)
	}
	script := "set -euo pipefail\n" + strings.Join(tutorialBlocks(t), "\n")
	script = strings.NewReplacer("localhost:8001", n.admin, "localhost:8000", n.proxy, "127.0.0.1:9999", upstream).Replace(script)
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "PATH="+pathDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the tutorial failed: %v\n%s\nnode log:\n%s", err, out, n.logs)
	}
	got := string(out)
	for _, want := range []string{
		"created plugin hello",
		"ok  \thello",                   // go test ./...
		"built hello.wasm: hello 0.1.0", // weir plugin build
		"GET /anything -> 200",          // weir plugin test
		"X-Client: tutorial",            // ... what the upstream received
		"GET /admin/users -> 403",
		`"X-Hello": "tutorial"`, // through the real node: the echo upstream's view
	} {
		if !strings.Contains(got, want) {
			t.Errorf("tutorial output lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?im)^x-hello: tutorial\r?$`).MatchString(got) {
		t.Errorf("the proxied response lacks x-hello: tutorial")
	}
	if !strings.HasSuffix(strings.TrimSpace(got), "403") {
		t.Errorf("the blocked path did not answer 403")
	}
	if t.Failed() {
		t.Logf("output:\n%s", got)
	}
}

// waitHTTP waits for a server to answer.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return
		}
	}
	t.Fatalf("%s did not answer", url)
}
