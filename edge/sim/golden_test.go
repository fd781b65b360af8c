package sim

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// TestCleanFramesUnchanged pins the clean simulator (the zero Look) to
// the bytes it draws without looks (main at 49b4b41, where looks do not
// exist; recorded 2026-12-07): every tenth frame's pixels and truth of
// three configurations, hashed. (The demo's hash moved on main with
// other work on the simulator's shots; the other two are those of
// e191e36, before looks.) Vision's accuracy floors and every other
// simulator-tuned test were measured on these frames; a change that moves them must be a
// deliberate one, with this table re-recorded and those tests re-run.
// The hashes are amd64's: other architectures may fuse multiply-adds and
// round a pixel differently, so the test skips there.
func TestCleanFramesUnchanged(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("hashes recorded on amd64, this is %s", runtime.GOARCH)
	}
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Width: 640, Height: 360, Scenario: "demo", Seed: 3, NoiseSigma: 2, Unpaced: true},
			"dec39c8cf9904eb2bf6f0bc0c9dd01a4359848d71bcdd691af88f6e5ebca7719"},
		{Options{Width: 640, Height: 360, Scenario: "occlusion", Seed: 5, NoiseSigma: 2, Unpaced: true, Lighting: "dim", Felt: "red", Tilt: 0.05, RotationDeg: 3},
			"1820a2966bb52b05a008614206ea373e5411ef7f0fc75f3e5fc4aeff417c7bb4"},
		{Options{Width: 800, Height: 450, Scenario: "lighting", Seed: 1, NoiseSigma: 0, Unpaced: true},
			"039237ba3c32acc530a1807d2c15c4c7d14346600e2a30b3bb460020bedf2785"},
	} {
		s := New(c.o)
		var f model.Frame
		h := sha256.New()
		for i := 0; i < 150; i++ {
			s.Render(&f, time.Unix(0, 0))
			if i%10 == 0 {
				h.Write(f.Pix)
				b, err := json.Marshal(f.Truth)
				if err != nil {
					t.Fatal(err)
				}
				h.Write(b)
			}
		}
		s.Close()
		if got := fmt.Sprintf("%x", h.Sum(nil)); got != c.want {
			t.Errorf("%s (%s lighting): frames hash %s, want %s: the clean simulator no longer draws what vision was tuned on",
				c.o.Scenario, c.o.Lighting, got, c.want)
		}
	}
}
