package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/labels/evaluate"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/vision"
)

// runScore is `cuecast detect --score`: the detector, with the same options
// as for images, on every frame of the label files, scored per source and
// ball size (docs/vision-real.md). Exit 2 on an unreadable or invalid label
// file or a picture that changed since it was labelled, 1 when a frame
// cannot be decoded or detected.
func runScore(cfg config.Vision, geo model.TableGeometry, data, debugOut string, details bool, files []string) int {
	var sets []*labels.Set
	for _, f := range files {
		s, err := labels.Load(f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "cuecast detect: %v\n", err)
			return 2
		}
		if err := s.Verify(data); err != nil {
			fmt.Fprintf(os.Stderr, "cuecast detect: %s: %v (is --data %s the folder the label paths start from?)\n", f, err, data)
			return 2
		}
		sets = append(sets, s)
	}
	o := evaluate.Options{Vision: cfg, Table: geo}
	if debugOut != "" {
		o.Frame = func(lf *labels.Frame, f *model.Frame, det *model.Detection) error {
			name := strings.NewReplacer("/", "_", "#", "_").Replace(lf.Key()) + ".detect.png"
			return vision.WriteAnnotated(filepath.Join(debugOut, name), f, det)
		}
	}
	rep, err := evaluate.Run(data, sets, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cuecast detect: %v\n", err)
		return 1
	}
	rep.WriteTable(os.Stdout)
	if details {
		fmt.Println()
		rep.WriteDetails(os.Stdout)
	}
	return 0
}
