// Package supervise connects cuecastd to systemd and to the people who look
// after it.
//
// Every pipeline stage and consumer is handed a *Component (a typed handle)
// by the Supervisor once, when the daemon is assembled, and reports through
// it (Progress, OK, Fail, Disable); nothing looks a component up by its name
// afterwards (registering a name twice panics). One handle is the Loop (the
// frame loop), the only one whose progress feeds the watchdog; a Child of it
// (the frame source, which runs on the loop's goroutine) has its own health
// and its progress counts as the loop's. From those reports the Supervisor
//   - sends READY=1 once the daemon says so (HTTP up, and a first frame
//     processed or the source settled: a missing camera is reported, not
//     waited for),
//   - refreshes STATUS= about once a second with what a technician wants to
//     see (the daemon supplies the line),
//   - sends WATCHDOG=1 at half of WATCHDOG_USEC only while the Loop (or a
//     child) made progress since the last ping; when it stops, pings stop,
//     the reason is logged, and systemd restarts the daemon,
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
