package history

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// JSONFormat names the JSON export's layout; it changes only when the layout
// does.
const JSONFormat = "cuecast.history.v1"

// Columns are the CSV export's columns, in order (docs/history.md says what
// each one means). Empty cells are unknown values, never zero.
var Columns = []string{
	"shot_id", "session", "rack", "game_id", "game_type", "shot_number", "shooter",
	"started", "ended", "duration_s", "source", "break",
	"first_contact", "target", "pocket", "called_ball", "called_pocket",
	"attempt", "potted", "balls_made", "pocketed", "scratch", "fouls", "legal",
	"turn_over", "game_over", "winner", "cleared",
	"cut_deg", "distance_m", "cue_start_x", "cue_start_y", "cue_end_x", "cue_end_y",
	"predicted_cue_end_x", "predicted_cue_end_y", "position_err_cm", "path_err_cm", "end_err_cm",
	"target_agree", "outcome_agree", "spread_cm", "balls_to_rail",
}

// Exporter writes shots in one format: Begin, Write for each shot (Record
// set), End. An export of no shots is Begin then End: the CSV header alone,
// or a JSON document with an empty list.
type Exporter interface {
	Begin(meta ExportMeta) error
	Write(s *Shot) error
	End() error
}

// ExportMeta describes an export (the JSON document's header).
type ExportMeta struct {
	Exported time.Time  `json:"exported"`
	From     *time.Time `json:"from,omitempty"`
	To       *time.Time `json:"to,omitempty"`
	Session  int64      `json:"session,omitempty"`
	Player   string     `json:"player,omitempty"`
	GameType string     `json:"game_type,omitempty"`
}

// NewExporter returns the exporter for format, writing to w.
func NewExporter(format string, w io.Writer) (Exporter, error) {
	switch format {
	case FormatCSV:
		return &csvExporter{w: csv.NewWriter(w)}, nil
	case FormatJSON:
		return &jsonExporter{w: bufio.NewWriter(w)}, nil
	}
	return nil, fmt.Errorf("history: export format %q: use csv or json", format)
}

// ContentType is the MIME type of an export format.
func ContentType(format string) string {
	if format == FormatCSV {
		return "text/csv; charset=utf-8"
	}
	return "application/json"
}

type csvExporter struct {
	w   *csv.Writer
	row []string
}

func (e *csvExporter) Begin(ExportMeta) error { return e.w.Write(Columns) }

func (e *csvExporter) Write(s *Shot) error {
	e.row = CSVRow(s, e.row[:0])
	return e.w.Write(e.row)
}

func (e *csvExporter) End() error {
	e.w.Flush()
	return e.w.Error()
}

// CSVRow appends s's cells, in Columns order, to dst.
func CSVRow(s *Shot, dst []string) []string {
	f := &s.Features
	var r model.ShotRecord
	if s.Record != nil {
		r = *s.Record
	}
	var called model.Call
	if r.Called != nil {
		called = *r.Called
	}
	return append(dst,
		s.ID, i64(s.Session), i64(s.Rack), s.GameID, s.GameType, strconv.Itoa(s.Number), s.Shooter,
		tm(s.Started), tm(s.Ended), fl(r.Summary.DurationS), s.Source, bl(f.Break),
		r.Summary.FirstContact, f.Target, f.Pocket, called.Ball, called.Pocket,
		bl(f.Attempt), bl(f.Potted), strconv.Itoa(f.Made), pocketedCell(r.Summary.Pocketed), bl(f.Scratch), strings.Join(f.Fouls, ";"), bl(f.Legal),
		bl(f.TurnOver), bl(f.GameOver), f.Winner, bl(f.Cleared),
		pf(f.CutDeg), pf(f.DistM), vx(f.CueStart), vy(f.CueStart), vx(f.CueEnd), vy(f.CueEnd),
		vx(f.PredictedCueEnd), vy(f.PredictedCueEnd), pf(f.PositionErrCM), pf(f.PathErrCM), pf(f.EndErrCM),
		pb(f.TargetAgree), pb(f.OutcomeAgree), pf(f.SpreadCM), strconv.Itoa(f.BallsToRail),
	)
}

// pocketedCell is "ball:pocket" pairs joined by ";", by ball id.
func pocketedCell(m map[string]string) string {
	var b strings.Builder
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k + ":" + m[k])
	}
	return b.String()
}

func i64(v int64) string  { return strconv.FormatInt(v, 10) }
func fl(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
func tm(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
func bl(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
func pf(p *float64) string {
	if p == nil {
		return ""
	}
	return fl(*p)
}
func pb(p *bool) string {
	if p == nil {
		return ""
	}
	return bl(*p)
}
func vx(v *model.Vec2) string {
	if v == nil {
		return ""
	}
	return fl(v.X)
}
func vy(v *model.Vec2) string {
	if v == nil {
		return ""
	}
	return fl(v.Y)
}

type jsonExporter struct {
	w *bufio.Writer
	n int
}

func (e *jsonExporter) Begin(m ExportMeta) error {
	head, err := json.Marshal(struct {
		Format string `json:"format"`
		ExportMeta
	}{JSONFormat, m})
	if err != nil {
		return err
	}
	// The header's fields, then the shots one per line: a reader can stream
	// it, and a person can read it.
	e.w.Write(head[:len(head)-1])
	_, err = e.w.WriteString(",\"shots\":[")
	return err
}

func (e *jsonExporter) Write(s *Shot) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("history: export shot %s: %w", s.ID, err)
	}
	if e.n > 0 {
		e.w.WriteByte(',')
	}
	e.n++
	e.w.WriteByte('\n')
	_, err = e.w.Write(b)
	return err
}

func (e *jsonExporter) End() error {
	e.w.WriteString("\n]}\n")
	return e.w.Flush()
}

// ExportDoc is the JSON export as a reader decodes it.
type ExportDoc struct {
	Format string `json:"format"`
	ExportMeta
	Shots []Shot `json:"shots"`
}

// ReadJSON decodes a JSON export.
func ReadJSON(r io.Reader) (*ExportDoc, error) {
	var d ExportDoc
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("history: JSON export: %w", err)
	}
	if d.Format != JSONFormat {
		return nil, fmt.Errorf("history: JSON export: format %q, want %q", d.Format, JSONFormat)
	}
	return &d, nil
}

// ReadCSV decodes a CSV export back into shots: every column is read back
// (Record holds what the columns carry of the shot record: first contact,
// pocketed balls, scratch, duration, the call).
func ReadCSV(r io.Reader) ([]Shot, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("history: CSV export: header: %w", err)
	}
	if strings.Join(head, ",") != strings.Join(Columns, ",") {
		return nil, errors.New("history: CSV export: the header is not this version's columns")
	}
	var out []Shot
	for line := 2; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("history: CSV export: %w", err)
		}
		s, err := shotFromRow(row)
		if err != nil {
			return nil, fmt.Errorf("history: CSV export: line %d: %w", line, err)
		}
		out = append(out, s)
	}
}

func shotFromRow(row []string) (Shot, error) {
	p := &rowParser{row: row}
	s := Shot{Record: &model.ShotRecord{}}
	f := &s.Features
	r := s.Record
	s.ID = p.str()
	s.Session, s.Rack = p.i64(), p.i64()
	s.GameID, s.GameType = p.str(), p.str()
	s.Number = int(p.i64())
	s.Shooter = p.str()
	s.Started, s.Ended = p.time(), p.time()
	r.Summary.DurationS = p.f64()
	s.Source = p.str()
	f.Break = p.bool()
	r.Summary.FirstContact = p.str()
	f.Target, f.Pocket = p.str(), p.str()
	if b, pk := p.str(), p.str(); b != "" || pk != "" {
		r.Called = &model.Call{Ball: b, Pocket: pk}
	}
	f.Attempt, f.Potted = p.bool(), p.bool()
	f.Made = int(p.i64())
	r.Summary.Pocketed = map[string]string{}
	if cell := p.str(); cell != "" {
		for _, kv := range strings.Split(cell, ";") {
			b, pk, ok := strings.Cut(kv, ":")
			if !ok {
				p.fail("pocketed %q is not ball:pocket", kv)
			}
			r.Summary.Pocketed[b] = pk
		}
	}
	f.Scratch = p.bool()
	r.Summary.Scratch = f.Scratch
	if cell := p.str(); cell != "" {
		f.Fouls = strings.Split(cell, ";")
	}
	f.Legal, f.TurnOver, f.GameOver = p.bool(), p.bool(), p.bool()
	f.Winner = p.str()
	f.Cleared = p.bool()
	f.CutDeg, f.DistM = p.pf(), p.pf()
	f.CueStart, f.CueEnd, f.PredictedCueEnd = p.vec(), p.vec(), p.vec()
	f.PositionErrCM, f.PathErrCM, f.EndErrCM = p.pf(), p.pf(), p.pf()
	f.TargetAgree, f.OutcomeAgree = p.pb(), p.pb()
	f.SpreadCM = p.pf()
	f.BallsToRail = int(p.i64())
	r.ID, r.GameID, r.GameType, r.Number, r.Shooter, r.Started, r.Ended = s.ID, s.GameID, s.GameType, s.Number, s.Shooter, s.Started, s.Ended
	return s, p.err
}

type rowParser struct {
	row []string
	i   int
	err error
}

func (p *rowParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("column %s: "+format, append([]any{Columns[p.i-1]}, args...)...)
	}
}

func (p *rowParser) str() string {
	if p.i >= len(p.row) {
		p.i++
		p.fail("missing")
		return ""
	}
	p.i++
	return p.row[p.i-1]
}

func (p *rowParser) i64() int64 {
	s := p.str()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		p.fail("%q is not an integer", s)
	}
	return v
}

func (p *rowParser) f64() float64 {
	s := p.str()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		p.fail("%q is not a number", s)
	}
	return v
}

func (p *rowParser) pf() *float64 {
	s := p.str()
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		p.fail("%q is not a number", s)
	}
	return &v
}

func (p *rowParser) bool() bool {
	s := p.str()
	v, err := strconv.ParseBool(s)
	if err != nil {
		p.fail("%q is not true or false", s)
	}
	return v
}

func (p *rowParser) pb() *bool {
	s := p.str()
	if s == "" {
		return nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		p.fail("%q is not true or false", s)
	}
	return &v
}

func (p *rowParser) time() time.Time {
	s := p.str()
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.fail("%q is not an RFC 3339 time", s)
	}
	return t
}

func (p *rowParser) vec() *model.Vec2 {
	x, y := p.pf(), p.pf()
	if x == nil && y == nil {
		return nil
	}
	if x == nil || y == nil {
		p.fail("half a point")
		return nil
	}
	return &model.Vec2{X: *x, Y: *y}
}
