package supervise

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"unicode"

	"github.com/coreos/go-systemd/v22/journal"
)

// NewLogger returns the daemon's logger: native journal entries when stderr
// is connected to journald (JOURNAL_STREAM matches), otherwise text on w.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	if ok, err := journal.StderrIsJournalStream(); err == nil && ok {
		return slog.New(NewJournalHandler(level, journal.Send))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// SendFunc writes one journal entry; journal.Send in production.
type SendFunc func(message string, priority journal.Priority, vars map[string]string) error

// JournalHandler is a slog.Handler that writes native journal entries. Every
// attribute becomes a field named CUECAST_<KEY> (upper-cased, non-alphanumerics
// as _), so a technician can filter: journalctl -u cuecastd CUECAST_COMPONENT=vision.
// Groups prefix their attributes (CUECAST_<GROUP>_<KEY>).
type JournalHandler struct {
	level  slog.Leveler
	send   SendFunc
	attrs  []slog.Attr // pre-resolved with group prefixes applied in their keys
	prefix string      // current group prefix, "" or "GROUP_"
	mu     *sync.Mutex // serialises fallback writes
}

// NewJournalHandler returns a handler that sends through send.
func NewJournalHandler(level slog.Leveler, send SendFunc) *JournalHandler {
	if level == nil {
		level = slog.LevelInfo
	}
	return &JournalHandler{level: level, send: send, mu: &sync.Mutex{}}
}

func (h *JournalHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func priority(l slog.Level) journal.Priority {
	switch {
	case l >= slog.LevelError:
		return journal.PriErr
	case l >= slog.LevelWarn:
		return journal.PriWarning
	case l >= slog.LevelInfo:
		return journal.PriInfo
	default:
		return journal.PriDebug
	}
}

// fieldName turns an attribute key into a journal field name: upper case
// letters, digits and underscores, not starting with an underscore (those are
// trusted fields journald sets itself).
func fieldName(key string) string {
	var b strings.Builder
	b.WriteString("CUECAST_")
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(unicode.ToUpper(r))
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func (h *JournalHandler) Handle(_ context.Context, r slog.Record) error {
	vars := make(map[string]string, len(h.attrs)+r.NumAttrs()+2)
	var text strings.Builder
	text.WriteString(r.Message)
	add := func(prefix string, a slog.Attr) {
		addAttr(vars, &text, prefix, a)
	}
	for _, a := range h.attrs {
		add("", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		add(h.prefix, a)
		return true
	})
	vars["SYSLOG_IDENTIFIER"] = "cuecastd"
	if err := h.send(text.String(), priority(r.Level), vars); err != nil {
		// journald gone (restarting): keep the line on stderr rather than lose it.
		h.mu.Lock()
		fmt.Fprintln(os.Stderr, text.String())
		h.mu.Unlock()
	}
	return nil
}

// addAttr flattens a into vars and appends key=value to the human message,
// so `journalctl` without -o verbose still shows the fields.
func addAttr(vars map[string]string, text *strings.Builder, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p = prefix + a.Key + "_"
		}
		for _, g := range a.Value.Group() {
			addAttr(vars, text, p, g)
		}
		return
	}
	key := prefix + a.Key
	val := a.Value.String()
	vars[fieldName(key)] = val
	text.WriteByte(' ')
	text.WriteString(key)
	text.WriteByte('=')
	if strings.ContainsAny(val, " \t\"") {
		fmt.Fprintf(text, "%q", val)
	} else {
		text.WriteString(val)
	}
}

func (h *JournalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range as {
		if h.prefix != "" {
			a.Key = h.prefix + a.Key
		}
		h2.attrs = append(h2.attrs, a)
	}
	return &h2
}

func (h *JournalHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "_"
	return &h2
}
