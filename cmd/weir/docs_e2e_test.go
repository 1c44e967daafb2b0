package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docCommand is one curl command of a document, with the status its `# NNN` comment
// says it answers (0 when it says none).
type docCommand struct {
	line string
	want int
}

var statusComment = regexp.MustCompile(`#\s*(\d{3})\b`)

// curlCommands extracts the curl commands of the ```sh blocks of a document (of one
// section when section is set), joining lines continued with a backslash. Blocks
// opened with "```sh <tag>" are run against a node set up for them: only a call with
// that tag takes them.
func curlCommands(t *testing.T, path, section string, tag ...string) []docCommand {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	if section != "" {
		start := strings.Index(text, "\n## "+section+"\n")
		if start < 0 {
			t.Fatalf("%s has no section %q", path, section)
		}
		text = text[start+1:]
		if end := strings.Index(text[3:], "\n## "); end >= 0 {
			text = text[:end+3]
		}
	}
	var out []docCommand
	inSh, pending := false, ""
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			inSh = strings.TrimSpace(strings.TrimPrefix(line, "```sh")) == strings.Join(tag, "")
			continue
		case strings.HasPrefix(line, "```"):
			inSh = false
			continue
		}
		if !inSh {
			continue
		}
		if pending != "" {
			line = pending + " " + strings.TrimSpace(line)
			pending = ""
		}
		if strings.HasSuffix(strings.TrimSpace(line), "\\") {
			pending = strings.TrimSuffix(strings.TrimSpace(line), "\\")
			continue
		}
		if !strings.HasPrefix(strings.TrimSpace(line), "curl ") {
			continue
		}
		cmd := docCommand{line: strings.TrimSpace(line)}
		if i := strings.Index(cmd.line, "  #"); i >= 0 {
			if m := statusComment.FindStringSubmatch(cmd.line[i:]); m != nil {
				cmd.want, _ = strconv.Atoi(m[1])
			}
			cmd.line = strings.TrimSpace(cmd.line[:i])
		}
		out = append(out, cmd)
	}
	return out
}

// runDocCommands runs each command as written, against the test's node and echo
// server instead of the documented addresses, from the repository root (for @file
// arguments), and checks its status.
func runDocCommands(t *testing.T, cmds []docCommand, n *node, echoAddr string) {
	t.Helper()
	hosts := strings.NewReplacer("localhost:8001", n.admin, "localhost:8000", n.proxy, "127.0.0.1:9999", echoAddr)
	for _, c := range cmds {
		line := hosts.Replace(c.line)
		line = "curl --silent --show-error --output /dev/null --write-out '%{http_code}' " + strings.TrimPrefix(line, "curl ")
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir = repoRoot(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s\n-> %v: %s", c.line, err, out)
		}
		status, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		if c.want != 0 && status != c.want {
			t.Errorf("%s\n-> %d, the document says %d", c.line, status, c.want)
		}
	}
}

// TestReadmeQuickStartCurl runs the README's quick start curl lines as written.
func TestReadmeQuickStartCurl(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	cmds := curlCommands(t, filepath.Join(repoRoot(t), "README.md"), "Quick start")
	if len(cmds) < 8 {
		t.Fatalf("found %d curl commands in the quick start", len(cmds))
	}
	runDocCommands(t, cmds, n, echoAddr)
}

// TestAdminAPIDoc runs every curl line of docs/admin-api.md as written.
func TestAdminAPIDoc(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := startNode(t, bin, t.TempDir())
	cmds := curlCommands(t, filepath.Join(repoRoot(t), "docs", "admin-api.md"), "")
	if len(cmds) < 30 {
		t.Fatalf("found %d curl commands in docs/admin-api.md", len(cmds))
	}
	runDocCommands(t, cmds, n, echoAddr)
}

// TestAdminAPIDocDBLess runs the ```sh dbless blocks of docs/admin-api.md against a
// DB-less node, then restarts it: what the commands wrote is still there.
func TestAdminAPIDocDBLess(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	file := filepath.Join(t.TempDir(), "kong.yml")
	if err := os.WriteFile(file, []byte("_format_version: \"3.0\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t),
		extraEnv: []string{"KONG_DATABASE=off", "KONG_DECLARATIVE_CONFIG=" + file}}
	n.start(t)
	cmds := curlCommands(t, filepath.Join(repoRoot(t), "docs", "admin-api.md"), "", "dbless")
	if len(cmds) < 5 {
		t.Fatalf("found %d DB-less curl commands in docs/admin-api.md", len(cmds))
	}
	runDocCommands(t, cmds, n, echoAddr)
	n.stop(t)
	n.start(t)
	expectStatus(t, "route written through the Admin API, after a restart", do(t, "GET", "http://"+n.proxy+"/v2", nil, nil), 200)
}
