package game

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cuecast/cuecast/edge/model"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

// stateFile is the game's file in the state directory.
const stateFile = "game.json"

// load reads the saved game; ok is false when there is none.
func load(dir string) (saved, bool, error) {
	var g saved
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return g, false, nil
	}
	if err != nil {
		return g, false, fmt.Errorf("game: reading the saved game: %w", err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return g, false, fmt.Errorf("game: %s: %v (a new practice session starts; the file is left for inspection)", filepath.Join(dir, stateFile), err)
	}
	if g.Version != savedVersion {
		return g, false, fmt.Errorf("game: %s: version %d, want %d", filepath.Join(dir, stateFile), g.Version, savedVersion)
	}
	return g, true, nil
}

// store writes g atomically (temporary file, fsync, rename, fsync of the
// directory): a crash leaves the old game or the new one, never half.
// The measured paths and predictions are left out of the file (history
// keeps them): a long game would otherwise rewrite megabytes per shot.
func store(dir string, g *saved) error {
	lean := *g
	lean.Records = make([]model.ShotRecord, len(g.Records))
	for i, r := range g.Records {
		r.Summary.Paths = nil
		r.Prediction = nil
		lean.Records[i] = r
	}
	b, err := marshalIndent(&lean)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, stateFile), b, 0o640)
}
