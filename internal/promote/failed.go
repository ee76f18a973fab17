package promote

// failed is err as a failed deployment (errors.Is(err, ErrFailed): exit 1)
// whose message is err's alone: a read of what runs that failed says what
// it read and why, and "deployment failed" before it would say that a
// deployment ran, which it did not.
type failed struct{ err error }

func (e failed) Error() string   { return e.err.Error() }
func (e failed) Unwrap() []error { return []error{ErrFailed, e.err} }
