// Package supervise connects cuecastd to systemd and to the people who look
// after it.
//
// Every pipeline stage and consumer gets a named Component from the
// Supervisor and reports through it (Progress, OK, Fail). From those reports
// the Supervisor
//   - sends READY=1 once the daemon says so (HTTP up, first frame processed),
//   - refreshes STATUS= about once a second with what a technician wants to
//     see (the daemon supplies the line),
//   - sends WATCHDOG=1 at half of WATCHDOG_USEC only while the gating
//     component (the vision loop) made progress since the last ping; when it
//     stops, pings stop, the reason is logged, and systemd restarts the daemon,
//   - sends WATCHDOG=trigger for a fault the daemon detects itself,
//   - answers health queries (/api/v1/health) from the same reports.
//
// Outside systemd (no NOTIFY_SOCKET) notifications are no-ops; that is an
// expected condition, not an error.
//
// Concurrency: all Supervisor and Component methods are safe for concurrent
// use. Run owns the one housekeeping goroutine; it returns when its context
// ends.
//
// The package also provides the journald slog handler (journal.go): native
// journal entries with CUECAST_* fields under systemd, text on stderr
// elsewhere.
package supervise
