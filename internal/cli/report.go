package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/ledger"
)

// errorDocument is what --output json prints on stdout when a command fails
// before it printed its result, so a script always reads one document.
type errorDocument struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`           // what kind of failure: see errorCode
	Message string `json:"message"`        // the line bake prints on stderr, without "bake: "
	Hint    string `json:"hint,omitempty"` // what to do, where bake knows
	Exit    int    `json:"exit"`           // the exit status
}

// Report prints err the way bake ends a run and returns the exit status:
// one line (and a hint) on stderr, and with --output json an error document
// on stdout unless the command already printed its result there.
func Report(ctx context.Context, f *Factory, err error) int {
	if err == nil {
		return ExitOK
	}
	if f.readerGone != nil && f.outputLost(err) {
		// Nobody reads any more; the deployment stands and is recorded.
		return ExitOK
	}
	interrupted := ctx.Err() != nil
	// Say it once: the operation's own error may already tell how it was interrupted.
	if interrupted && !strings.Contains(err.Error(), "interrupted") {
		err = fmt.Errorf("interrupted: %w", err)
	}
	fmt.Fprintln(f.Err, Message(err))
	code := ExitCode(err)
	// Bad input stays one line: no count of the calls that found it.
	f.noCallCount = code == ExitInput
	if f.JSON() && !f.rendered {
		msg, hint, _ := strings.Cut(strings.TrimPrefix(Message(err), "bake: "), "\nhint: ")
		doc := errorDocument{Error: errorBody{Code: errorCode(err, code, interrupted), Message: msg, Hint: hint, Exit: code}}
		_ = f.writeDocument(SchemaError, doc)
	}
	return code
}

// errorCode names the kind of failure for scripts, one word per exit status
// and a finer one where a script would branch on it.
func errorCode(err error, exit int, interrupted bool) string {
	switch {
	case interrupted:
		return "interrupted"
	case errors.Is(err, ledger.ErrLocked):
		return "locked"
	case errors.Is(err, ErrDrift):
		return "drift"
	case errors.Is(err, ErrTampered):
		return "tampered"
	}
	switch exit {
	case ExitInput:
		return "bad-input"
	case ExitRefused:
		return "refused"
	}
	return "failed"
}
