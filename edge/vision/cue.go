package vision

import "github.com/cuecast/cuecast/edge/model"

type cueFinder struct{}

func newCueFinder() *cueFinder { return &cueFinder{} }

func (c *cueFinder) find(bf *ballFinder, tf *tableFit, balls []model.BallDetection) *model.CueAim {
	return nil
}
