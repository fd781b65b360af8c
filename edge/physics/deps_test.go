package physics

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// The engine is pure Go: its own files import only the standard library,
// edge/model and edge/config (DESIGN.md: physics imports no transport and
// no cgo). Checked on the source so that it fails on the import line.
func TestImportsOnlyStdModelConfig(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"github.com/cuecast/cuecast/edge/model":  true,
		"github.com/cuecast/cuecast/edge/config": true,
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			std := !strings.Contains(strings.SplitN(path, "/", 2)[0], ".")
			if path == "C" || (!std && !allowed[path]) {
				t.Errorf("%s imports %q: edge/physics may import only the standard library, edge/model and edge/config", fset.Position(imp.Pos()), path)
			}
		}
	}
}

// And the whole dependency graph builds without cgo: with CGO_ENABLED=0 no
// package in it is left incomplete, and nothing outside the standard
// library, our module and the config file's TOML decoder comes in.
func TestBuildsWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		t.Skipf("go tool not found at %s", goTool)
	}
	cmd := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}} {{.Incomplete}} {{len .CgoFiles}}", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 {
			t.Fatalf("unexpected go list line %q", line)
		}
		path, std, incomplete, cgo := f[0], f[1] == "true", f[2] == "true", f[3] != "0"
		if incomplete || cgo {
			t.Errorf("%s: incomplete=%v cgo files=%v with CGO_ENABLED=0", path, incomplete, cgo)
		}
		if !std && !strings.HasPrefix(path, "github.com/cuecast/cuecast/") && !strings.HasPrefix(path, "github.com/pelletier/go-toml/") {
			t.Errorf("unexpected dependency %s", path)
		}
	}
}
