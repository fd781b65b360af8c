package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cuecast/cuecast/edge/display/browsertest"
	"github.com/cuecast/cuecast/edge/game"
	"github.com/cuecast/cuecast/edge/model"
)

func gev(typ string, balls ...string) model.Event {
	return model.Event{Type: typ, Time: time.Now(), Balls: balls}
}

// shotEnded is a shot_ended whose summary lists evs after the strike.
func shotEnded(evs ...model.Event) model.Event {
	sum := &model.ShotSummary{Pocketed: map[string]string{}, DurationS: 1,
		Events: append([]model.Event{gev(model.EventCueStrike, "cue")}, evs...)}
	return model.Event{Type: model.EventShotEnded, Time: time.Now(), Shot: sum}
}

func gcushion(b, r string) model.Event { e := gev(model.EventBallCushion, b); e.Rail = r; return e }
func gpocket(b, p string) model.Event  { e := gev(model.EventBallPocketed, b); e.Pocket = p; return e }

// waitGame waits (bounded) until the game service's snapshot satisfies ok.
func waitGame(t *testing.T, g *game.Service, what string, ok func(game.Snapshot) bool) game.Snapshot {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := g.Snapshot()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the game is %+v", what, s.State)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// The table display's game controls driven in headless Chromium: a new
// game from the form, a push-out, the incoming player's pass, a called
// shot and an overrule; the projector page shows ball in hand and the 9's
// respot position.
func TestGameControlsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon and Chromium")
	}
	cfg, path := testConfig(t)
	cfg.HTTP.Token = "sekrit"
	d := startDaemon(t, cfg, path)
	g := d.game
	ctx := browsertest.New(t, 1280, 800)
	base := "http://" + d.Addr()
	run := func(what string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(c, acts...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](js)); err != nil {
			t.Fatalf("%s: %v", js, err)
		}
	}
	screenshot := func() []byte {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	run("open the display", chromedp.Navigate(base+"/"))
	eval(`localStorage.setItem("cuecast.token", "sekrit")`)
	run("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#game details.new-game`)))

	// A new game of 9-ball from the form.
	run("new game", chromedp.Click(chromedp.CSS(`#game details.new-game summary`)),
		chromedp.SetValue(chromedp.CSS(`#new-game-type`), "9ball"),
		chromedp.SendKeys(chromedp.CSS(`#new-p1`), "Anna"), chromedp.SendKeys(chromedp.CSS(`#new-p2`), "Ben"),
		chromedp.Click(chromedp.CSS(`button.new-game`)),
		chromedp.WaitVisible(chromedp.CSS(`#scoreboard tr.turn[data-player="Anna"]`)))
	waitGame(t, g, "9-ball for Anna and Ben", func(s game.Snapshot) bool { return s.Game == "9ball" && s.Turn == "Anna" })

	// Anna breaks: four balls to a rail, nothing down. Ben pushes out.
	g.ShotEnded(shotEnded(gev(model.EventBallCollision, "cue", "1"), gcushion("2", "top"), gcushion("3", "top"), gcushion("4", "bottom"), gcushion("5", "left")))
	run("push-out", chromedp.WaitVisible(chromedp.CSS(`button.push-out`)), chromedp.Click(chromedp.CSS(`button.push-out`)))
	waitGame(t, g, "push-out declared", func(s game.Snapshot) bool { return s.PushOut })
	rec, _ := g.ShotEnded(shotEnded())
	if rec.Decision == nil || rec.Decision.Rule != "2.4" || !rec.PushOut {
		t.Fatalf("push-out shot = %+v", rec.Decision)
	}
	// The decision names its rule with the edition's number (2016 by default).
	run("push-out decision", chromedp.WaitVisible(chromedp.CSS(`#decision[data-shot="2"]`)))
	said, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#decision`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(said, "(WPA 2016 rule 2.4)") || !strings.Contains(said, "Push-out (2.4)") {
		t.Errorf("decision on the display = %q, want the 2016 rule 2.4 named", said)
	}
	// Anna passes it back.
	run("pass", chromedp.WaitVisible(chromedp.CSS(`button.opt-pass`)), chromedp.Click(chromedp.CSS(`button.opt-pass`)),
		chromedp.WaitVisible(chromedp.CSS(`#scoreboard tr.turn[data-player="Ben"]`)))

	// Ben calls the 3 in the top-left corner, and makes it.
	run("call", chromedp.Click(chromedp.CSS(`#game-controls .call button.ball:nth-of-type(3)`)),
		chromedp.WaitVisible(chromedp.CSS(`button.pocket.corner-top-left`)),
		chromedp.Click(chromedp.CSS(`button.pocket.corner-top-left`)))
	s := waitGame(t, g, "the 3 called", func(s game.Snapshot) bool { return s.Called != nil })
	if *s.Called != (model.Call{Ball: "3", Pocket: model.PocketTopLeft}) {
		t.Fatalf("call = %+v", *s.Called)
	}
	rec, _ = g.ShotEnded(shotEnded(gev(model.EventBallCollision, "cue", "1"), gev(model.EventBallCollision, "1", "3"), gpocket("3", model.PocketTopLeft)))
	if rec.Called == nil || rec.Called.Ball != "3" || !rec.Decision.Legal || rec.Decision.Next != "Ben" {
		t.Fatalf("called shot = %+v %+v", rec.Called, rec.Decision)
	}
	// The players saw Ben touch the 5 with his sleeve: overrule to a foul.
	run("overrule", chromedp.WaitVisible(chromedp.CSS(`#decision[data-shot="3"]`)), chromedp.Click(chromedp.CSS(`button.rule-foul`)),
		chromedp.WaitVisible(chromedp.CSS(`#decision.overruled`)))
	s = waitGame(t, g, "overruled", func(s game.Snapshot) bool { return s.Last != nil && s.Last.Overruled })
	if s.Turn != "Anna" || s.BallInHand != "anywhere" || g.Records()[2].Decision.Legal {
		t.Errorf("after the overrule: turn %s, ball in hand %q", s.Turn, s.BallInHand)
	}
	// Anna, with ball in hand, fouls and drops the 9: it is spotted.
	g.ShotEnded(shotEnded(gev(model.EventBallCollision, "cue", "2"), gev(model.EventBallCollision, "2", "9"), gpocket("9", model.PocketBottomSide)))
	run("display shows shot 4", chromedp.WaitVisible(chromedp.CSS(`#decision[data-shot="4"]`)))
	browsertest.Artifact(t, "game-display.png", screenshot())

	run("projector", chromedp.Navigate(base+"/projector"))
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(pctx, chromedp.Poll[bool](`window.cuecast && window.cuecast.game && window.cuecast.game.ballInHand === "anywhere" && window.cuecast.game.respot.length > 0`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("projector never showed ball in hand and the respot: %v", err)
	}
	bih, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.cuecast.game.ballInHand`))
	respot, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.cuecast.game.respot`))
	browsertest.Artifact(t, "game-projector.png", screenshot())
	if bih != "anywhere" || len(respot) != 1 || respot[0] != "9" {
		t.Errorf("projector: ball in hand %q, respot %v", bih, respot)
	}
}
