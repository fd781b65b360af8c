package game

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/referee"
)

// trajectoryRate bounds how often the service reads the trajectory stream:
// it only needs the last prediction before the strike.
const trajectoryRate = 10

// Start publishes the game and follows the hub's event and trajectory
// streams until Close.
func (s *Service) Start() {
	s.Publish()
	if s.opts.Hub == nil {
		return
	}
	s.wg.Add(1)
	go s.follow()
}

func (s *Service) follow() {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	h := s.opts.Hub
	// Events are facts: after a slow-consumer cut the feed resumes where
	// it was, so no shot_ended is lost.
	pos := hub.Position{Epoch: h.Epoch()}
	var buf []*hub.Publication
	for ctx.Err() == nil {
		c := h.Connect(hub.ClientOptions{ID: "game", Transport: "game", QueueSize: 256})
		_, err := c.Subscribe([]hub.Stream{hub.StreamEvent, hub.StreamTrajectory},
			map[hub.Stream]hub.Position{hub.StreamEvent: pos}, map[hub.Stream]float64{hub.StreamTrajectory: trajectoryRate})
		if err != nil {
			c.Close()
			s.log.Error("game: subscribing to the hub", "component", "game", "err", err)
			return
		}
		for {
			buf, err = c.Next(ctx, buf[:0])
			if err != nil {
				break
			}
			for _, p := range buf {
				if p.Stream == hub.StreamEvent {
					pos = p.Position()
				}
				s.handle(p)
			}
		}
		c.Close()
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("game: hub feed ended, resuming", "component", "game", "err", err)
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

func (s *Service) handle(p *hub.Publication) {
	switch p.Stream {
	case hub.StreamTrajectory:
		var tr model.Trajectory
		if json.Unmarshal(p.Data, &tr) == nil && tr.Aiming {
			s.mu.Lock()
			s.aim = &tr
			s.mu.Unlock()
		}
	case hub.StreamEvent:
		var ev model.Event
		if err := json.Unmarshal(p.Data, &ev); err != nil {
			return
		}
		switch ev.Type {
		case model.EventShotStarted:
			s.mu.Lock()
			s.pred, s.start = s.aim, ev.Time
			s.mu.Unlock()
		case model.EventShotEnded:
			if _, err := s.ShotEnded(ev); err != nil {
				s.log.Warn("game: a shot was recorded without a decision", "component", "game", "err", err)
			}
		}
	}
}

// ShotEnded judges the shot a shot_ended event closes, records it and
// publishes it. The shooter is the player at the table (the one an open
// option falls to). Balls the tracker could not name are named first where
// the game can (Identify); the record carries the named summary and the
// names given. A shot the referee cannot judge (the tracker saw
// something that does not fit) is recorded with the reason and without
// changing the game; the error says why.
func (s *Service) ShotEnded(ev model.Event) (model.ShotRecord, error) {
	if ev.Shot == nil {
		return model.ShotRecord{}, errors.New("game: shot_ended without its summary")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return model.ShotRecord{}, errors.New("game: closed")
	}
	st := s.ref.State()
	shooter := st.Turn
	if st.OptionsFor != "" {
		shooter = st.OptionsFor
	}
	sum, named := s.identifyLocked(st, ev.Shot)
	if len(named) > 0 {
		s.log.Info("game: named balls the tracker could not", "component", "game", "names", named)
	}
	sh := referee.FromSummary(shooter, &sum)
	sh.Called, sh.PushOut = s.g.Pending.Called, s.g.Pending.PushOut
	d, err := s.ref.Judge(sh)
	var judgeErr error
	if err != nil && (sh.Called != nil || sh.PushOut) {
		// What was said no longer fits (a call of a ball the tracker saw
		// fall earlier): judge the shot as played.
		s.log.Warn("game: judging without the call or push-out", "component", "game", "err", err)
		sh.Called, sh.PushOut = nil, false
		d, err = s.ref.Judge(sh)
	}
	g := s.g.clone()
	started := s.start
	if started.IsZero() || started.After(ev.Time) {
		started = ev.Time.Add(-time.Duration(ev.Shot.DurationS * float64(time.Second)))
	}
	rec := model.ShotRecord{GameType: string(s.g.Settings.Game), Shooter: shooter, Started: started, Ended: ev.Time,
		Summary: sum, Prediction: s.pred, Called: sh.Called, PushOut: sh.PushOut, Identified: named}
	if !s.g.Practice {
		rec.GameID = s.g.Session
	}
	if err != nil {
		judgeErr = fmt.Errorf("game: the referee could not judge the shot: %w", err)
		rec.ID = fmt.Sprintf("%s-x%d", s.g.Session, len(g.Records)+1)
		rec.Decision = &model.Decision{Shooter: shooter, Fouls: []string{}, Message: "Not judged: " + err.Error()}
	} else {
		g.Log = append(g.Log, entry{Shot: &sh})
		rec.Number = d.Shot
		rec.ID = fmt.Sprintf("%s-%d", s.g.Session, d.Shot)
		rec.Decision = &d
		g.Pending = pending{}
	}
	g.Records = append(g.Records, rec)
	if len(g.Records) > maxRecords {
		g.Records = g.Records[len(g.Records)-maxRecords:]
	}
	s.pred, s.start = nil, time.Time{}
	s.commitLocked(g, s.ref, []model.ShotRecord{rec})
	return rec, judgeErr
}

// identifyLocked names the balls the tracker could not (Identify), from
// the referee's state st and where the last shot of this game left the
// balls. Free practice names none: no rule there asks which ball it was,
// and balls go back on the table by hand without the game knowing.
func (s *Service) identifyLocked(st referee.State, sum *model.ShotSummary) (model.ShotSummary, map[string]string) {
	if s.g.Practice {
		return *sum, nil
	}
	var lastEnd []model.BallSpot
	if n := len(s.g.Records); n > 0 {
		lastEnd = s.g.Records[n-1].Summary.End
	}
	return Identify(sum, st.OnTable, RestSpots(s.g.Settings.Game, st, lastEnd, s.opts.Table))
}
