package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cuecast/cuecast/edge/history"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

func init() {
	register("history", "list recent shots or show statistics from the running daemon", runHistory)
	register("export", "download shot history as CSV or JSON (one row per shot)", runExport)
}

// historyFilters are the flags history and export share.
type historyFilters struct {
	addr, rng, from, to, player, gameType string
	session                               int64
}

func (f *historyFilters) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", defaultAddr, "the daemon's HTTP address")
	fs.StringVar(&f.rng, "range", "", "time range: 1h, 6h, 24h, 7d, 30d or all (default all)")
	fs.StringVar(&f.from, "from", "", "from this time (RFC 3339, e.g. 2026-03-01T19:00:00Z); with --to instead of --range")
	fs.StringVar(&f.to, "to", "", "until this time (RFC 3339)")
	fs.StringVar(&f.player, "player", "", "only this player's shots")
	fs.StringVar(&f.gameType, "game-type", "", "only 8ball, 9ball, 10ball or practice")
	fs.Int64Var(&f.session, "session", 0, "only this session (see cuecast history --sessions)")
}

func (f *historyFilters) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"time_range": f.rng, "from": f.from, "to": f.to, "player": f.player, "game_type": f.gameType} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.session != 0 {
		q.Set("session", fmt.Sprint(f.session))
	}
	return q
}

// getAPI GETs path from the daemon and decodes the JSON answer into v; an
// error answer becomes the API's own message.
func getAPI(addr, path string, v any) error {
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return fmt.Errorf("%v (is cuecastd running? systemctl status cuecastd)", err)
	}
	defer resp.Body.Close()
	return decodeAnswer(resp, v)
}

func decodeAnswer(resp *http.Response, v any) error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("%s (HTTP %d)", e.Error.Message, resp.StatusCode)
		}
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, v)
}

func runHistory(args []string) int {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	var f historyFilters
	f.register(fs)
	stats := fs.Bool("stats", false, "show statistics instead of the shot list")
	sessions := fs.Bool("sessions", false, "list sessions instead of shots")
	limit := fs.Int("limit", 20, "shots to list (1-500)")
	raw := fs.Bool("json", false, "print the API's JSON")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cuecast history [--stats | --sessions] [--range R | --from T --to T] [--player P] [--game-type T] [--session N] [--limit N] [--json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "cuecast history:", err)
		return 1
	}
	q := f.query()
	// show fetches path into v and prints it: raw JSON, or as text by human.
	show := func(path string, v any, human func()) int {
		if err := getAPI(f.addr, path, v); err != nil {
			return fail(err)
		}
		if *raw {
			return printJSON(v)
		}
		human()
		return 0
	}
	switch {
	case *sessions:
		var out struct {
			Sessions []history.Session `json:"sessions"`
			Players  []string          `json:"players"`
		}
		return show("/api/v1/game/sessions?limit=50", &out, func() {
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SESSION\tSTARTED\tLAST SHOT\tSHOTS\tPLAYERS\tNAME")
			for _, s := range out.Sessions {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", s.ID, s.Started.Local().Format("2006-01-02 15:04"), s.Last.Local().Format("15:04"), s.Shots, strings.Join(s.Players, ", "), s.Name)
			}
			tw.Flush()
		})
	case *stats:
		var st history.Stats
		return show("/api/v1/game/stats?"+q.Encode(), &st, func() { printStats(os.Stdout, &st) })
	default:
		q.Set("limit", fmt.Sprint(*limit))
		var page history.Page
		return show("/api/v1/game/history?"+q.Encode(), &page, func() {
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tPLAYER\tGAME\tSHOT\tRESULT\tCUT\tPOSITION\tID")
			for _, s := range page.Shots {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", s.Ended.Local().Format("01-02 15:04:05"), orDash(s.Shooter), s.GameType, s.Number,
					shotResult(&s.Features), optF(s.Features.CutDeg, "%.0f°"), optF(s.Features.PositionErrCM, "%.0f cm"), s.ID)
			}
			tw.Flush()
			fmt.Printf("%d of %d shots\n", len(page.Shots), page.Total)
		})
	}
}

func printJSON(v any) int {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 1
	}
	return 0
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func optF(p *float64, format string) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf(format, *p)
}

func shotResult(f *history.Features) string {
	switch {
	case len(f.Fouls) > 0:
		return "foul: " + strings.Join(f.Fouls, ", ")
	case f.Break:
		return fmt.Sprintf("break, %d made", f.Made)
	case f.Made > 0 && f.Target != "":
		return f.Target + " made"
	case f.Made > 0:
		return fmt.Sprintf("%d made", f.Made)
	case f.Target != "":
		return "missed " + f.Target
	}
	return "no ball hit"
}

func printStats(w io.Writer, st *history.Stats) {
	fmt.Fprintf(w, "%d shots, %d racks, %d games", st.Shots, st.Racks, st.Games)
	if len(st.Players) > 0 {
		fmt.Fprintf(w, "; players: %s", strings.Join(st.Players, ", "))
	}
	fmt.Fprintln(w)
	p := st.Pocketing
	fmt.Fprintf(w, "pocketing   %.0f%% (%d of %d)\n", p.Pct, p.Made, p.Attempts)
	for _, b := range p.ByCut {
		fmt.Fprintf(w, "  cut %-9s %5.0f%% (%d of %d)\n", b.Label, b.Pct, b.Made, b.Attempts)
	}
	for _, b := range p.ByDistance {
		fmt.Fprintf(w, "  dist %-8s %5.0f%% (%d of %d)\n", b.Label, b.Pct, b.Made, b.Attempts)
	}
	b := st.Breaks
	fmt.Fprintf(w, "breaks      %d: %.1f balls made on average, %d dry, %d scratches, spread %.0f cm, %.1f balls to a rail\n",
		b.Count, b.AvgBallsMade, b.Dry, b.Scratches, b.AvgSpreadCM, b.AvgBallsToRail)
	fmt.Fprintf(w, "runs        %d innings, %.2f balls per inning, best %d, %d run-outs (%d break-and-run)\n",
		st.Runs.Innings, st.Runs.AvgRun, st.Runs.BestRun, st.Runs.RunOuts, st.Runs.BreakAndRuns)
	fmt.Fprintf(w, "fouls       %d shots:", st.FoulShots)
	for k, v := range st.Fouls {
		fmt.Fprintf(w, " %s %d", k, v)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "position    cue ball vs prediction: median %.1f cm, p90 %.1f cm (%d shots)\n", st.Position.Median, st.Position.P90, st.Position.N)
	fmt.Fprintf(w, "prediction  object ball path: median %.1f cm off (%d shots); outcome right %.0f%% of %d\n",
		st.Path.Median, st.Path.N, st.Predicted.OutcomePct, st.Predicted.Shots)
	for _, pl := range st.PerPlayer {
		fmt.Fprintf(w, "  %-12s %4d shots  %3.0f%% pocketed  %.2f per inning  %d run-outs\n", orDash(pl.Player), pl.Shots, pl.PocketingPct, pl.AvgRun, pl.RunOuts)
	}
}

func runExport(args []string) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var f historyFilters
	f.register(fs)
	format := fs.String("format", "csv", "csv or json")
	out := fs.String("o", "", "write to this file (default: standard output)")
	token := fs.String("token", os.Getenv("CUECAST_TOKEN"), "the command token (http.token); default $CUECAST_TOKEN")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cuecast export [--format csv|json] [--range R | --from T --to T] [--player P] [--game-type T] [--session N] [-o FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || (*format != "csv" && *format != "json") {
		fs.Usage()
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "cuecast export:", err)
		return 1
	}
	body := map[string]any{"format": *format}
	for k, v := range f.query() {
		body[k] = v[0]
	}
	if f.session != 0 {
		body["session"] = f.session
	}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, "http://"+f.addr+"/api/v1/game/export", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+*token)
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return fail(fmt.Errorf("%v (is cuecastd running?)", err))
	}
	var ex struct {
		URL   string `json:"url"`
		Shots int    `json:"shots"`
	}
	err = decodeAnswer(resp, &ex)
	resp.Body.Close()
	if err != nil {
		return fail(err)
	}
	dl, err := (&http.Client{Timeout: 10 * time.Minute}).Get("http://" + f.addr + ex.URL)
	if err != nil {
		return fail(err)
	}
	defer dl.Body.Close()
	if dl.StatusCode != http.StatusOK {
		return fail(decodeAnswer(dl, nil))
	}
	var w io.Writer = os.Stdout
	if *out != "" {
		// Written to a temporary file and renamed (atomicfile): a failed
		// download never leaves half a file under the name asked for.
		tmp, err := atomicfile.Create(*out, 0o644)
		if err != nil {
			return fail(err)
		}
		defer tmp.Abort() // a no-op once committed
		if _, err := io.Copy(tmp, dl.Body); err != nil {
			return fail(err)
		}
		if err := tmp.Commit(); err != nil {
			return fail(err)
		}
		fmt.Fprintf(os.Stderr, "%d shots written to %s\n", ex.Shots, *out)
		return 0
	}
	if _, err := io.Copy(w, dl.Body); err != nil {
		return fail(err)
	}
	return 0
}
