package supervise

// Reporter is what a component tells the supervisor. Components accept it as
// an interface of their own (or this one), so they test without systemd.
//
//   - Progress: the component's loop made progress (the vision loop's calls
//     gate the systemd watchdog).
//   - OK: the component works; detail is shown in STATUS and /api/v1/health.
//   - Fail: the component is degraded; err is shown until the next OK.
type Reporter interface {
	Progress()
	OK(detail string)
	Fail(err error)
}
