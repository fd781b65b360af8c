package history

import "errors"

// Errors every layer under the API shares, so edge/api can answer 404 and
// 400 without importing the store.
var (
	// ErrNotFound: an unknown shot, session, game, drill or export.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: input refused (a drill with a ball off the table, a
	// missing player name); nothing was stored.
	ErrInvalid = errors.New("invalid")
)

// invalid marks err as bad input (errors.Is(err, ErrInvalid)) keeping its
// message as it is.
type invalid struct{ error }

func (invalid) Is(target error) bool { return target == ErrInvalid }
func (e invalid) Unwrap() error      { return e.error }

// Invalid marks err as bad input.
func Invalid(err error) error {
	if err == nil {
		return nil
	}
	return invalid{err}
}
