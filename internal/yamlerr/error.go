package yamlerr

// Error is one problem in a YAML file, located at the node that caused it.
type Error struct {
	File   string // as given to the loader
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Key    string // key path, such as images.hello.checks[0].http.status
	Msg    string
	// Kind is the sentinel of the loader that found it (config.ErrInvalid,
	// cst.ErrInvalid), so callers tell bad input by errors.Is.
	Kind error
	// Cause is why the file could not be read, when that is the problem.
	Cause error
}

// Error formats the problem as FILE:LINE:COL: KEY: MSG, leaving out the parts it lacks.
func (e *Error) Error() string {
	return Format(e.File, e.Line, e.Column, e.Key, e.Msg)
}

// Unwrap returns Kind and Cause, those that are set.
func (e *Error) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Kind, e.Cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Position places the problem for sorting.
func (e *Error) Position() (line, column int) { return e.Line, e.Column }
