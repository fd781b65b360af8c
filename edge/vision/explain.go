package vision

import (
	"fmt"

	"github.com/cuecast/cuecast/edge/model"
)

// Candidate is one ball candidate as Detect judged it, for a technician
// asking why a ball was missed or a false one kept (DetectorOptions.Explain,
// `cuecast detect --explain`).
type Candidate struct {
	// Pass counts the searches over the frame: 0 the first, more when the
	// balls' size was learned from their outlines and the frame searched
	// again at it (the last pass's verdicts are the ones that count).
	Pass int
	// Ball is the refined circle and its first naming (before the frame's
	// balls are named together and centres polished).
	Ball model.BallDetection
	// Reason is why it is not a ball, "" when the ball tests kept it (a
	// kept candidate can still lose to a better one on the same spot or
	// be dropped as a knuckle on the cue stick).
	Reason string
	// Measures are the figures the tests read, as "name value" pairs:
	// see falseball.go and evidence.go for each.
	Measures string
}

// explainer adapts DetectorOptions.Explain to the detector's trace.
type explainer struct {
	fn   func(Candidate)
	pass int
	rim  rimLook // the last falseBall's ring, when it ran
	ran  bool
}

func (e *explainer) trace(b *model.BallDetection, fit circleFit, ev evidence, why string) {
	if b == nil {
		e.pass++
		return
	}
	m := fmt.Sprintf("support %.2f rms %.3f size %.2f shading %.3f rough %.3f highlight %.2f contrast %.2f felt %.2f shadow %.2f vote %.2f black %.2f",
		fit.support, ev.rms, ev.size, ev.shading, ev.roughness, ev.highlight, ev.contrast, ev.feltShare, ev.shadow, ev.vote, ev.black)
	if e.ran {
		m += fmt.Sprintf(" rim-share %.2f rim-gap %.2f rim-step %.2f rim-shade %.2f rim-skin %.2f band %.2f band-width %.2f rim-bare %.2f rim-off %v rim-bed %.1f",
			e.rim.share, e.rim.gap, e.rim.step, e.rim.inner, e.rim.skin, e.rim.band, e.rim.bandW, e.rim.bare, e.rim.off, e.rim.bed)
	}
	e.ran = false
	e.fn(Candidate{Pass: e.pass - 1, Ball: *b, Reason: why, Measures: m})
}
