package history

import (
	"fmt"
	"time"
)

// Ranges are the time_range values the API takes, newest first.
var Ranges = map[string]time.Duration{
	"1h": time.Hour, "6h": 6 * time.Hour, "24h": 24 * time.Hour,
	"7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "all": 0,
}

// ParseRange turns a time_range value into its start before now (nil for
// "all").
func ParseRange(s string, now time.Time) (*time.Time, error) {
	d, ok := Ranges[s]
	if !ok {
		return nil, fmt.Errorf("history: time_range %q: use one of 1h, 6h, 24h, 7d, 30d, all", s)
	}
	if d == 0 {
		return nil, nil
	}
	t := now.Add(-d)
	return &t, nil
}

// Query selects shots. Zero fields do not filter.
type Query struct {
	From     time.Time // inclusive (by end of shot)
	To       time.Time // exclusive
	Player   string
	GameType string
	Session  int64
	GameID   string
	// Limit caps a page (history lists); 0 means no cap (exports, stats).
	Limit int
	// After continues a list after this position (newest first): the
	// NextCursor of the previous page.
	After *Cursor
}

// Cursor is a position in the newest-first list of shots.
type Cursor struct {
	EndedNS int64
	Seq     int64
}

// String encodes c for a URL.
func (c Cursor) String() string { return fmt.Sprintf("%d.%d", c.EndedNS, c.Seq) }

// ParseCursor decodes a cursor made by Cursor.String.
func ParseCursor(s string) (*Cursor, error) {
	var c Cursor
	var rest string
	if n, _ := fmt.Sscanf(s, "%d.%d%s", &c.EndedNS, &c.Seq, &rest); n != 2 || c.Seq <= 0 {
		return nil, fmt.Errorf("history: cursor %q is not one this box gave out (use next_cursor from the previous page)", s)
	}
	return &c, nil
}

// Page is one page of a history list.
type Page struct {
	Shots      []Shot `json:"shots"`
	Total      int    `json:"total"` // shots matching the query, all pages
	NextCursor string `json:"next_cursor,omitempty"`
}

// GameTypes are the game types a query may name.
var GameTypes = map[string]bool{"8ball": true, "9ball": true, "10ball": true, "practice": true}
