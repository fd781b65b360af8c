package vision

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnlyVisionImportsGocv: cgo stays in one package. Any other package
// importing gocv would drag OpenCV into components that must build with
// CGO_ENABLED=0 (hub, core, physics).
func TestOnlyVisionImportsGocv(t *testing.T) {
	root := filepath.Join("..", "..")
	scanned := 0
	self, _ := filepath.Abs(".")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable build leftovers (image/build) are not Go sources
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "build", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		abs, _ := filepath.Abs(filepath.Dir(p))
		if abs == self {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		scanned++
		if strings.Contains(string(b), `"gocv.io/x/gocv`) {
			t.Errorf("%s imports gocv; only edge/vision may (wrap what you need there)", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 20 {
		t.Fatalf("scanned %d Go files outside edge/vision; the walk is broken", scanned)
	}
}
